package c1sim

import (
	"fmt"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/tasks"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Status is where a task stands at the stand-in.
type Status string

// Status values.
const (
	Queued    Status = "queued"    // waiting for a GetTask
	Running   Status = "running"   // handed out, not finished
	Succeeded Status = "succeeded" // FinishTask with success
	Failed    Status = "failed"    // FinishTask with an error
)

// TaskState is what the stand-in knows of one task.
type TaskState struct {
	ID     string
	Type   string // the SDK's task type name, e.g. "sync_full", "grant"
	Status Status
	// Attempts counts how often the task was handed out (more than 1 after a heartbeat timeout).
	Attempts   int
	Requeued   int // times it went back to the queue after a heartbeat timeout
	Heartbeats int
	// HostIDs that took the task, in order.
	HostIDs []string
	// For Failed: the status the connector reported.
	Code         codes.Code
	Message      string
	NonRetryable bool
	// For Succeeded: the response the connector attached, if any.
	Response *anypb.Any
	// Uploads are the paths of assets uploaded for the task, in order.
	Uploads []string
	// FinishCalls counts FinishTask calls (more than 1 is a connector bug).
	FinishCalls int
}

// Done reports whether the connector finished the task (either way).
func (t TaskState) Done() bool { return t.Status == Succeeded || t.Status == Failed }

// Events decodes what a finished list-events task returned: the events, the
// cursor to continue from and whether more are waiting.
func (t TaskState) Events() (*v2.ListEventsResponse, error) {
	if t.Status != Succeeded || t.Response == nil {
		return nil, fmt.Errorf("c1sim: task %s (%s) is %s with no response", t.ID, t.Type, t.Status)
	}
	out := &v2.ListEventsResponse{}
	if err := t.Response.UnmarshalTo(out); err != nil {
		return nil, fmt.Errorf("c1sim: task %s: the response is not a ListEventsResponse: %w", t.ID, err)
	}
	return out, nil
}

type taskRecord struct {
	task      *v1.Task
	state     TaskState
	lastSeen  time.Time // last GetTask hand-out or heartbeat
	cancelled bool      // heartbeats answer cancelled
}

// Enqueue appends a task to the queue and returns its id (assigned when empty).
func (s *Server) Enqueue(task *v1.Task) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	task, _ = proto.Clone(task).(*v1.Task)
	if task.GetId() == "" {
		s.nextID++
		// ConductorOne task ids are KSUIDs (27 alphanumerics); the SDK's request validation insists.
		task.SetId(fmt.Sprintf("c1simtask%018d", s.nextID))
	}
	id := task.GetId()
	if _, dup := s.tasks[id]; dup {
		panic("c1sim: task id " + id + " enqueued twice")
	}
	s.tasks[id] = &taskRecord{task: task, state: TaskState{ID: id, Type: tasks.GetType(task).String(), Status: Queued}}
	s.queue = append(s.queue, id)
	s.order = append(s.order, id)
	s.notifyLocked()
	return id
}

// Task returns the state of the task with id (ok false if unknown).
func (s *Server) Task(id string) (TaskState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reapLocked()
	r, ok := s.tasks[id]
	if !ok {
		return TaskState{}, false
	}
	st := r.state
	st.HostIDs = append([]string(nil), st.HostIDs...)
	st.Uploads = append([]string(nil), st.Uploads...)
	return st, true
}

// Tasks returns every task's state in the order they were enqueued.
func (s *Server) Tasks() []TaskState {
	s.mu.Lock()
	ids := append([]string(nil), s.order...)
	s.mu.Unlock()
	out := make([]TaskState, 0, len(ids))
	for _, id := range ids {
		st, _ := s.Task(id)
		out = append(out, st)
	}
	return out
}

// Cancel marks a task cancelled: its next heartbeat answers cancelled.
func (s *Server) Cancel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.tasks[id]; ok {
		r.cancelled = true
		s.notifyLocked()
	}
}

// take hands out the next queued task to hostID, or nil.
func (s *Server) takeLocked(hostID string) *v1.Task {
	s.reapLocked()
	if len(s.queue) == 0 {
		return nil
	}
	id := s.queue[0]
	s.queue = s.queue[1:]
	r := s.tasks[id]
	r.state.Status = Running
	r.state.Attempts++
	r.state.HostIDs = append(r.state.HostIDs, hostID)
	r.lastSeen = s.opts.Now()
	s.notifyLocked()
	return r.task
}

// reapLocked puts running tasks whose heartbeats stopped back at the head of the queue.
func (s *Server) reapLocked() {
	if s.opts.HeartbeatTimeout <= 0 {
		return
	}
	now := s.opts.Now()
	var back []string
	for _, id := range s.order {
		r := s.tasks[id]
		if r.state.Status == Running && now.Sub(r.lastSeen) > s.opts.HeartbeatTimeout {
			r.state.Status = Queued
			r.state.Requeued++
			back = append(back, id)
		}
	}
	if len(back) > 0 {
		s.queue = append(back, s.queue...)
		s.notifyLocked()
	}
}

// Task builders for the kinds of work ConductorOne sends a connector.

// FullSync is a full sync task.
func FullSync() *v1.Task {
	return v1.Task_builder{SyncFull: v1.Task_SyncFullTask_builder{}.Build()}.Build()
}

// Target names one resource for a targeted sync: its type and id, and its
// parent's type and id for a type whose resources live under a parent (a
// project under its team); parentType and parentID empty otherwise.
type Target struct {
	Type, ID             string
	ParentType, ParentID string
}

// TargetedSync is a full sync task narrowed to the targets
// (targeted_sync_resources): the SDK runs it as a partial sync (Validate,
// GetResource per target, then that resource's entitlements and grants) and
// uploads a c1z holding only that partial sync.
func TargetedSync(targets ...Target) *v1.Task {
	rs := make([]*v2.Resource, 0, len(targets))
	for _, t := range targets {
		r := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: t.Type, Resource: t.ID}.Build()}
		if t.ParentType != "" || t.ParentID != "" {
			r.ParentResourceId = v2.ResourceId_builder{ResourceType: t.ParentType, Resource: t.ParentID}.Build()
		}
		rs = append(rs, r.Build())
	}
	return v1.Task_builder{SyncFull: v1.Task_SyncFullTask_builder{TargetedSyncResources: rs}.Build()}.Build()
}

// Grant is a grant of entitlement to principal (both as a sync reported them).
func Grant(entitlement *v2.Entitlement, principal *v2.Resource) *v1.Task {
	return v1.Task_builder{Grant: v1.Task_GrantTask_builder{Entitlement: entitlement, Principal: principal}.Build()}.Build()
}

// Revoke is a revoke of grant (as a sync reported it).
func Revoke(grant *v2.Grant) *v1.Task {
	return v1.Task_builder{Revoke: v1.Task_RevokeTask_builder{Grant: grant}.Build()}.Build()
}

// CreateAccount creates an account of resource type typ (may be empty) from a profile.
func CreateAccount(typ, login, email string, profile map[string]any) (*v1.Task, error) {
	p, err := structpb.NewStruct(profile)
	if err != nil {
		return nil, err
	}
	info := v2.AccountInfo_builder{Profile: p, Login: login}
	if email != "" {
		info.Emails = []*v2.AccountInfo_Email{v2.AccountInfo_Email_builder{Address: email, IsPrimary: true}.Build()}
	}
	return v1.Task_builder{CreateAccount: v1.Task_CreateAccountTask_builder{AccountInfo: info.Build(), ResourceTypeId: typ}.Build()}.Build(), nil
}

// Action invokes the action name of resource type typ (may be empty) with args.
func Action(typ, name string, args map[string]any) (*v1.Task, error) {
	a, err := structpb.NewStruct(args)
	if err != nil {
		return nil, err
	}
	return v1.Task_builder{ActionInvoke: v1.Task_ActionInvokeTask_builder{Name: name, Args: a, ResourceTypeId: typ}.Build()}.Build(), nil
}

// ListEventFeeds asks which event feeds the connector has.
func ListEventFeeds() *v1.Task {
	return v1.Task_builder{ListEventFeeds: &v1.Task_ListEventFeedsTask{}}.Build()
}

// ListEvents asks for a page of feed's events from startAt.
func ListEvents(feed string, startAt time.Time, cursor string, pageSize uint32) *v1.Task {
	return v1.Task_builder{ListEvents: v1.Task_ListEventsTask_builder{
		EventFeedId: feed, StartAt: timestamppb.New(startAt), Cursor: cursor, PageSize: pageSize,
	}.Build()}.Build()
}
