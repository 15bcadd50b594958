package fakesched_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tapekit/tapekit/examples/hsm/internal/fakesched"
	"github.com/tapekit/tapekit/scheduler"
)

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	var ended []scheduler.Request
	delivered := map[string]bool{}
	s := fakesched.New(fakesched.Config{
		Deliver: func(ctx context.Context, r scheduler.Request) error {
			if r.Path == "/bad" {
				return errors.New("media error")
			}
			delivered[r.Path] = true
			return nil
		},
		OnEnd: func(r scheduler.Request) { ended = append(ended, r) },
	})
	if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall}); !errors.Is(err, fakesched.ErrInvalid) {
		t.Fatalf("recall without a file: %v", err)
	}
	got, err := s.Submit(ctx,
		scheduler.Request{Kind: scheduler.Recall, FileID: 1, Path: "/a", Group: "g"},
		scheduler.Request{Kind: scheduler.Recall, FileID: 2, Path: "/bad", Group: "g"},
		scheduler.Request{Kind: scheduler.Recall, FileID: 3, Path: "/c", Group: "h"},
	)
	if err != nil || len(got) != 3 || got[0].ID != 1 || got[2].State != scheduler.Queued {
		t.Fatalf("%+v %v", got, err)
	}
	if err := s.Start(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(1); err == nil {
		t.Fatal("started twice")
	}
	if err := s.Finish(ctx, 1, scheduler.Done, ""); err != nil || !delivered["/a"] {
		t.Fatalf("finish: %v, delivered %v", err, delivered)
	}
	if err := s.Finish(ctx, 2, scheduler.Done, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Get(ctx, 2); r.State != scheduler.Failed || r.Reason != "media error" {
		t.Fatalf("a failed delivery: %+v", r)
	}
	if n, _ := s.CancelGroup(ctx, "h"); n != 1 {
		t.Fatalf("cancelled %d", n)
	}
	if err := s.Finish(ctx, 3, scheduler.Done, ""); err == nil {
		t.Fatal("finished an ended request")
	}
	if len(ended) != 3 || ended[0].State != scheduler.Done || ended[2].State != scheduler.Cancelled {
		t.Fatalf("ends %+v", ended)
	}
	if _, err := s.Get(ctx, 9); !errors.Is(err, fakesched.ErrNotFound) {
		t.Fatalf("get of an unknown id: %v", err)
	}
	s.FailSubmit(errors.New("queue store down"))
	if _, err := s.Submit(ctx, scheduler.Request{Kind: scheduler.Recall, FileID: 4}); err == nil {
		t.Fatal("FailSubmit")
	}
}
