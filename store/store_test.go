package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/store"
)

func TestSessionRoundTripAndTTL(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	s := store.NewSessions(r.Client, 48*time.Hour, time.Now)
	citizen := fmt.Sprintf("test:%d", redistest.ID())
	sess, err := s.Load(ctx, citizen)
	if err != nil || !sess.Created.IsZero() {
		t.Fatalf("new citizen: %+v %v", sess, err)
	}
	sess.Lang = "en"
	for i := 0; i < 15; i++ {
		sess.AddTurn(store.Turn{At: time.Now(), Text: fmt.Sprint(i)}, 10)
	}
	if err := s.Save(ctx, sess); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, citizen)
	if err != nil || got.Lang != "en" || len(got.Turns) != 10 || got.Turns[0].Text != "5" {
		t.Fatalf("loaded %+v %v", got, err)
	}
	ttl := r.Client.TTL(ctx, "legalbot:v1:session:{"+citizen+"}").Val()
	if ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Errorf("TTL %v, want the 48h retention", ttl)
	}
	if r.Mini != nil {
		r.Mini.FastForward(49 * time.Hour)
	} else {
		r.Client.PExpire(ctx, "legalbot:v1:session:{"+citizen+"}", time.Millisecond)
		time.Sleep(20 * time.Millisecond)
	}
	if got, _ := s.Load(ctx, citizen); got.Lang != "" {
		t.Errorf("session outlived its retention")
	}
}

// Concurrent claims of one update, as several replicas make them: one wins.
func TestUpdateClaimedOnce(t *testing.T) {
	r := redistest.New(t)
	u := store.NewUpdates(r.Client, time.Hour)
	id := redistest.ID()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := u.Claim(context.Background(), "tg:1", id)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d claims won, want 1", wins.Load())
	}
	if ok, _ := u.Claim(context.Background(), "tg:2", id); !ok {
		t.Error("the same update id of another bot must be claimable")
	}
}

// Holders of one chat's lock take turns: a read-modify-write under it loses
// no write; a lock left by a dead holder expires; an unlock after expiry
// leaves the next holder's lock alone.
func TestChatLocksTakeTurns(t *testing.T) {
	r := redistest.New(t)
	locks := store.NewChatLocks(r.Client)
	ctx := context.Background()
	chat := redistest.ID()
	counter := fmt.Sprintf("test:counter:%d", chat)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := locks.Lock(ctx, "tg:1", chat, 10*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			n, _ := r.Client.Get(ctx, counter).Int()
			time.Sleep(2 * time.Millisecond)
			r.Client.Set(ctx, counter, n+1, time.Minute)
		}()
	}
	wg.Wait()
	if n, _ := r.Client.Get(ctx, counter).Int(); n != 10 {
		t.Errorf("counter %d after 10 increments under the lock, want 10", n)
	}

	// held reports whether someone holds the lock (taking and releasing it
	// when free).
	held := func() bool {
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		unlock, err := locks.Lock(short, "tg:1", chat, time.Second)
		if err != nil {
			return true
		}
		unlock()
		return false
	}
	expire := func() {
		if r.Mini != nil {
			r.Mini.FastForward(time.Second)
		} else {
			time.Sleep(120 * time.Millisecond)
		}
	}
	// A holder that never unlocks: the lock expires.
	if _, err := locks.Lock(ctx, "tg:1", chat, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !held() {
		t.Fatal("took a lock another holder still has")
	}
	expire()
	late, err := locks.Lock(ctx, "tg:1", chat, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("lock not taken after the holder's expired: %v", err)
	}
	expire()
	next, err := locks.Lock(ctx, "tg:1", chat, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	late() // expired: must not release next's lock
	if !held() {
		t.Error("an expired holder's unlock released the next holder's lock")
	}
	next()
	if held() {
		t.Error("lock not free after unlock")
	}
}

func TestForgetDeletesEverything(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	s := store.NewSessions(r.Client, time.Hour, time.Now)
	citizen := fmt.Sprintf("test:%d", redistest.ID())
	sess, _ := s.Load(ctx, citizen)
	s.Save(ctx, sess)
	s.RecordFeedback(ctx, citizen, "some-entry", store.Up)
	if err := s.Forget(ctx, citizen); err != nil {
		t.Fatal(err)
	}
	n := r.Client.Exists(ctx, "legalbot:v1:session:{"+citizen+"}", "legalbot:v1:feedback:{"+citizen+"}").Val()
	if n != 0 {
		t.Errorf("%d keys left", n)
	}
}

// Two replicas handling presses of one citizen at the same moment must count
// the citizen once in the anonymous totals.
func TestRecordFeedbackConcurrentPressesCountOnce(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	replicas := []*store.Sessions{store.NewSessions(r.Client, time.Hour, time.Now), store.NewSessions(r.Client, time.Hour, time.Now)}
	entry := fmt.Sprintf("entry-%d", redistest.ID())
	citizen := fmt.Sprintf("test:%d", redistest.ID())
	press := func(v store.Vote) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := replicas[i%2].RecordFeedback(ctx, citizen, entry, v); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	check := func(wantUp, wantDown int64) {
		t.Helper()
		up, down, err := replicas[0].FeedbackTotals(ctx, entry)
		if err != nil || up != wantUp || down != wantDown {
			t.Fatalf("totals up=%d down=%d (%v), want %d/%d", up, down, err, wantUp, wantDown)
		}
	}
	press(store.Up)
	check(1, 0)
	press(store.Down)
	check(0, 1)
	if ttl := r.Client.PTTL(ctx, "legalbot:v1:feedback:{"+citizen+"}").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("feedback TTL %v, want within the retention", ttl)
	}
}
