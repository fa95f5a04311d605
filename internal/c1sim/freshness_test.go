package c1sim

import (
	"context"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/tasks"
	taskTypes "github.com/conductorone/baton-sdk/pkg/types/tasks"
	"google.golang.org/protobuf/types/known/anypb"
)

// TestTargetedSyncAndListEventsTasks: a targeted sync task (a project under
// its team, and a user) and a list-events task reach the SDK's client as
// ConductorOne sends them (valid by the SDK's own rules, the task type the
// SDK dispatches on), and the events a connector returns in FinishTask read
// back with TaskState.Events.
func TestTargetedSyncAndListEventsTasks(t *testing.T) {
	s := sdkServer
	c := sdkConn(t, s)
	ctx := context.Background()
	sync := s.Enqueue(TargetedSync(Target{Type: "project", ID: "p1", ParentType: "team", ParentID: "t1"}, Target{Type: "user", ID: "u1"}))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	list := s.Enqueue(ListEvents("miro_audit_log", start, "m1.abc", 50))

	resp, err := c.GetTask(ctx, v1.BatonServiceGetTaskRequest_builder{HostId: "host-t"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	task := resp.GetTask()
	if err := task.ValidateAll(); err != nil {
		t.Fatalf("the targeted sync task is not valid for the SDK: %v", err)
	}
	if task.GetId() != sync || tasks.GetType(task) != taskTypes.FullSyncType {
		t.Fatalf("got %s of type %v, want the targeted sync %s", task.GetId(), tasks.GetType(task), sync)
	}
	targets := task.GetSyncFull().GetTargetedSyncResources()
	if len(targets) != 2 ||
		targets[0].GetId().GetResourceType() != "project" || targets[0].GetId().GetResource() != "p1" ||
		targets[0].GetParentResourceId().GetResourceType() != "team" || targets[0].GetParentResourceId().GetResource() != "t1" ||
		targets[1].GetId().GetResource() != "u1" || targets[1].GetParentResourceId() != nil {
		t.Fatalf("targets %v", targets)
	}

	resp, err = c.GetTask(ctx, v1.BatonServiceGetTaskRequest_builder{HostId: "host-t"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	le := resp.GetTask().GetListEvents()
	if resp.GetTask().GetId() != list || le.GetEventFeedId() != "miro_audit_log" || !le.GetStartAt().AsTime().Equal(start) ||
		le.GetCursor() != "m1.abc" || le.GetPageSize() != 50 {
		t.Fatalf("list-events task %v", resp.GetTask())
	}
	ev := v2.Event_builder{Id: "e1", ResourceChangeEvent: v2.ResourceChangeEvent_builder{
		ResourceId: v2.ResourceId_builder{ResourceType: "user", Resource: "u1"}.Build()}.Build()}.Build()
	answer, err := anypb.New(v2.ListEventsResponse_builder{Events: []*v2.Event{ev}, Cursor: "m1.next", HasMore: true}.Build())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishTask(ctx, v1.BatonServiceFinishTaskRequest_builder{HostId: "host-t", TaskId: list,
		Success: v1.BatonServiceFinishTaskRequest_Success_builder{Response: answer}.Build()}.Build()); err != nil {
		t.Fatal(err)
	}
	st, _ := s.Task(list)
	got, err := st.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetEvents()) != 1 || got.GetEvents()[0].GetResourceChangeEvent().GetResourceId().GetResource() != "u1" ||
		got.GetCursor() != "m1.next" || !got.GetHasMore() {
		t.Fatalf("events read back: %v", got)
	}
	if st, _ := s.Task(sync); st.Type != "sync_full" || st.Status != Running {
		t.Fatalf("targeted sync task state %+v", st)
	}
	if _, err := (TaskState{ID: "x", Status: Failed}).Events(); err == nil {
		t.Errorf("Events of a failed task: no error")
	}
}
