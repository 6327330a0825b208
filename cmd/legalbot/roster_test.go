package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/store"
)

// roster apply checks the configuration's roster and puts it in Redis for
// the replicas; roster show reads it back as YAML; a bad roster is refused
// and the one in force stays.
func TestRosterApplyAndShow(t *testing.T) {
	rdb := redistest.New(t)
	ctx := context.Background()
	good := filepath.Join("..", "..", "config", "testdata", "handoff.yaml")
	var out bytes.Buffer
	if err := run(ctx, []string{"legalbot", "roster", "apply"}, env("LEGALBOT_CONFIG", good, "REDIS_URL", rdb.URL), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "roster applied: 1 lawyers, 1 supervisors") {
		t.Errorf("apply printed %q", out.String())
	}
	cases := store.NewCases(rdb.Client, "", time.Hour, time.Now)
	doc, err := cases.Roster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := handoff.FromDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := r.Lawyer(1001); !ok || l.Name != "王律师" {
		t.Errorf("roster in Redis lacks lawyer 1001: %+v", r.Lawyers())
	}

	out.Reset()
	if err := run(ctx, []string{"legalbot", "roster", "show"}, env("REDIS_URL", rdb.URL), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"handoff:", "timezone: Asia/Shanghai", "claim_within: 5m0s", "telegram_id: 1001", "2026-12-05"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}

	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, bytes.Replace(data, []byte("Asia/Shanghai"), []byte("Mars/Olympus_Mons"), 1), 0o644)
	err = run(ctx, []string{"legalbot", "roster", "apply"}, env("LEGALBOT_CONFIG", bad, "REDIS_URL", rdb.URL), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "timezone") {
		t.Errorf("bad roster: err = %v, want one naming the timezone", err)
	}
	if after, _ := cases.Roster(ctx); !bytes.Equal(after, doc) {
		t.Error("a refused roster replaced the one in force")
	}
	if err := run(ctx, []string{"legalbot", "roster", "apply"}, env("LEGALBOT_CONFIG", good), nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("apply without REDIS_URL: %v", err)
	}
}
