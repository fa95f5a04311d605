package c1sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Call is one request the stand-in received.
type Call struct {
	At     time.Time
	Method string // "POST /auth/v1/token" or the gRPC method name, e.g. "GetTask"
	// Code is the HTTP status for the token endpoint, the gRPC code otherwise.
	Code   int
	HostID string
	TaskID string
	Detail string // why a call was refused (never a secret)
}

// Hello is what the connector said in a Hello call.
type Hello struct {
	HostID    string
	Connector *v2.ConnectorMetadata
	Request   *v1.BatonServiceHelloRequest
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.At = s.opts.Now()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

// Calls returns every call so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount counts calls of method that ended with code (-1 = any code).
func (s *Server) CallCount(method string, code int) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && (code < 0 || c.Code == code) {
			n++
		}
	}
	return n
}

// Hellos returns what every Hello call carried.
func (s *Server) Hellos() []Hello {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hello(nil), s.hellos...)
}

func (s *Server) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if s.tokenValid(v) {
			return nil
		}
	}
	return status.Error(codes.Unauthenticated, "c1sim: missing, unknown or expired bearer token")
}

type validator interface{ ValidateAll() error }

func (s *Server) unaryAuth(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := filepath.Base(info.FullMethod)
	call := Call{Method: method}
	if r, ok := req.(interface{ GetHostId() string }); ok {
		call.HostID = r.GetHostId()
	}
	if r, ok := req.(interface{ GetTaskId() string }); ok {
		call.TaskID = r.GetTaskId()
	}
	var resp any
	err := s.authorize(ctx)
	if err == nil {
		if v, ok := req.(validator); ok {
			if verr := v.ValidateAll(); verr != nil {
				err = status.Errorf(codes.InvalidArgument, "c1sim: invalid %s request: %v", method, verr)
			}
		}
	}
	if err == nil {
		resp, err = handler(ctx, req)
	}
	call.Code = int(status.Code(err))
	if err != nil {
		call.Detail = status.Convert(err).Message()
	}
	if r, ok := resp.(*v1.BatonServiceGetTaskResponse); ok && r.GetTask() != nil {
		call.TaskID = r.GetTask().GetId()
	}
	s.record(call)
	return resp, err
}

func (s *Server) streamAuth(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	err := s.authorize(ss.Context())
	taskID := ""
	if err == nil {
		holder := new(string)
		err = handler(srv, &uploadStream{ServerStream: ss, ctx: context.WithValue(ss.Context(), taskIDKey{}, holder)})
		taskID = *holder
	}
	call := Call{Method: filepath.Base(info.FullMethod), Code: int(status.Code(err)), TaskID: taskID}
	if err != nil {
		call.Detail = status.Convert(err).Message()
	}
	s.record(call)
	return err
}

// uploadStream lets the interceptor learn the task id of an upload: the handler
// stores it in the *string under taskIDKey in the stream's context.
type uploadStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (u *uploadStream) Context() context.Context { return u.ctx }

type taskIDKey struct{}

type batonService struct {
	v1.UnimplementedBatonServiceServer
	s *Server
}

func (b *batonService) Hello(_ context.Context, req *v1.BatonServiceHelloRequest) (*v1.BatonServiceHelloResponse, error) {
	s := b.s
	s.mu.Lock()
	s.hellos = append(s.hellos, Hello{HostID: req.GetHostId(), Connector: req.GetConnectorMetadata(), Request: req})
	s.mu.Unlock()
	return &v1.BatonServiceHelloResponse{}, nil
}

func (b *batonService) GetTask(_ context.Context, req *v1.BatonServiceGetTaskRequest) (*v1.BatonServiceGetTaskResponse, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return v1.BatonServiceGetTaskResponse_builder{
		Task:          s.takeLocked(req.GetHostId()),
		NextPoll:      durationpb.New(s.opts.NextPoll),
		NextHeartbeat: durationpb.New(s.opts.NextHeartbeat),
	}.Build(), nil
}

func (b *batonService) GetTasks(_ context.Context, req *v1.BatonServiceGetTasksRequest) (*v1.BatonServiceGetTasksResponse, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int(req.GetPageSize())
	if n <= 0 {
		n = 1
	}
	var out []*v1.Task
	for len(out) < n {
		t := s.takeLocked(req.GetHostId())
		if t == nil {
			break
		}
		out = append(out, t)
	}
	return v1.BatonServiceGetTasksResponse_builder{
		Tasks:    out,
		NextPoll: durationpb.New(s.opts.NextPoll),
	}.Build(), nil
}

func (b *batonService) Heartbeat(_ context.Context, req *v1.BatonServiceHeartbeatRequest) (*v1.BatonServiceHeartbeatResponse, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.taskLocked(req.GetTaskId())
	if err != nil {
		return nil, err
	}
	if r.state.Status != Running {
		// ConductorOne no longer expects work on it (finished, or handed to another attempt).
		return v1.BatonServiceHeartbeatResponse_builder{Cancelled: true, NextHeartbeat: durationpb.New(s.opts.NextHeartbeat)}.Build(), nil
	}
	r.state.Heartbeats++
	r.lastSeen = s.opts.Now()
	s.notifyLocked()
	return v1.BatonServiceHeartbeatResponse_builder{
		NextHeartbeat: durationpb.New(s.opts.NextHeartbeat),
		Cancelled:     r.cancelled,
	}.Build(), nil
}

func (b *batonService) FinishTask(_ context.Context, req *v1.BatonServiceFinishTaskRequest) (*v1.BatonServiceFinishTaskResponse, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.taskLocked(req.GetTaskId())
	if err != nil {
		return nil, err
	}
	r.state.FinishCalls++
	if r.state.Done() {
		return nil, status.Errorf(codes.FailedPrecondition, "c1sim: task %s already finished (%s)", r.state.ID, r.state.Status)
	}
	switch {
	case req.GetSuccess() != nil:
		r.state.Status = Succeeded
		r.state.Response = req.GetSuccess().GetResponse()
	case req.GetError() != nil:
		r.state.Status = Failed
		r.state.Code = codes.Code(req.GetStatus().GetCode())
		r.state.Message = req.GetStatus().GetMessage()
		r.state.NonRetryable = req.GetError().GetNonRetryable()
	default:
		return nil, status.Error(codes.InvalidArgument, "c1sim: FinishTask with neither success nor error")
	}
	// A finished task leaves the queue even if a heartbeat timeout had put it back.
	for i, id := range s.queue {
		if id == r.state.ID {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			break
		}
	}
	s.notifyLocked()
	return &v1.BatonServiceFinishTaskResponse{}, nil
}

// UploadAsset takes metadata (host and task id), data chunks and an EOF with the
// SHA-256 of the data, checks the sum and stores the asset under Dir()/uploads.
func (b *batonService) UploadAsset(stream grpc.ClientStreamingServer[v1.BatonServiceUploadAssetRequest, v1.BatonServiceUploadAssetResponse]) error {
	s := b.s
	first, err := stream.Recv()
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "c1sim: upload without metadata: %v", err)
	}
	meta := first.GetMetadata()
	if meta == nil {
		return status.Error(codes.InvalidArgument, "c1sim: the first upload message must be metadata")
	}
	if holder, ok := stream.Context().Value(taskIDKey{}).(*string); ok {
		*holder = meta.GetTaskId()
	}
	s.mu.Lock()
	_, known := s.tasks[meta.GetTaskId()]
	s.mu.Unlock()
	if !known {
		return status.Errorf(codes.NotFound, "c1sim: upload for unknown task %q", meta.GetTaskId())
	}
	var data bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return status.Error(codes.InvalidArgument, "c1sim: upload ended without an EOF message")
		}
		if err != nil {
			return err
		}
		if d := msg.GetData(); d != nil {
			data.Write(d.GetData())
			continue
		}
		eof := msg.GetEof()
		if eof == nil {
			return status.Error(codes.InvalidArgument, "c1sim: metadata sent twice")
		}
		sum := sha256.Sum256(data.Bytes())
		if !bytes.Equal(sum[:], eof.GetSha256Checksum()) {
			return status.Errorf(codes.DataLoss, "c1sim: sha256 of %d uploaded bytes does not match the EOF checksum", data.Len())
		}
		break
	}
	path := filepath.Join(s.dir, "uploads", fmt.Sprintf("%s-%s.c1z", meta.GetTaskId(), randomString(6)))
	if err := os.WriteFile(path, data.Bytes(), 0o600); err != nil {
		return status.Errorf(codes.Internal, "c1sim: storing the upload: %v", err)
	}
	s.mu.Lock()
	r := s.tasks[meta.GetTaskId()]
	r.state.Uploads = append(r.state.Uploads, path)
	s.notifyLocked()
	s.mu.Unlock()
	return stream.SendAndClose(&v1.BatonServiceUploadAssetResponse{})
}

// taskLocked is the task a call names, or NotFound. The caller holds s.mu.
func (s *Server) taskLocked(id string) (*taskRecord, error) {
	r, ok := s.tasks[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "c1sim: no task %q", id)
	}
	return r, nil
}
