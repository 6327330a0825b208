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

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/internal/telegramtest"
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

// A replica started without lawyers has no handoff; a roster applied while
// it runs turns the handoff on without a restart, and one without lawyers
// turns it off again.
func TestHandoffTurnedOnAndOffWithoutRestart(t *testing.T) {
	defer func(d time.Duration) { rosterInterval = d }(rosterInterval)
	rosterInterval = 50 * time.Millisecond
	srv := telegramtest.NewServer(t)
	rdb := redistest.New(t)
	apply := func(config string) {
		t.Helper()
		if err := run(context.Background(), []string{"legalbot", "roster", "apply"}, env("LEGALBOT_CONFIG", config, "REDIS_URL", rdb.URL), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	// The roster in Redis has no lawyers (other tests share the database).
	none := filepath.Join(t.TempDir(), "none.yaml")
	os.WriteFile(none, []byte("handoff:\n  timezone: Asia/Shanghai\n  lawyers: []\n"), 0o644)
	apply(none)
	startServe(t, srv, "REDIS_URL", rdb.URL)

	citizenChat := redistest.ID()
	citizen := &conversation{t: t, srv: srv, chat: citizenChat, user: telegramtest.User(citizenChat, "小王", "", "zh"), next: int(redistest.ID())}
	citizen.deliver = func(u tgbotapi.Update) { srv.PushUpdate(u) }
	lawyer := &conversation{t: t, srv: srv, chat: 1001, user: telegramtest.User(1001, "王律师", "", "zh"), next: int(redistest.ID())}
	lawyer.deliver = citizen.deliver
	citizen.send(telegramtest.TextUpdate(citizenChat, citizen.user, "/lawyer"), "没有这个命令")
	lawyer.send(telegramtest.TextUpdate(1001, lawyer.user, "/queue"), "不对您开放")

	// waitFor sends text as c until a reply contains want.
	waitFor := func(c *conversation, text, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			ms := c.send(telegramtest.TextUpdate(c.chat, c.user, text))
			if strings.Contains(ms[len(ms)-1].Plain, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never got a reply with %q; last: %q", text, want, ms[len(ms)-1].Plain)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	apply(filepath.Join("..", "..", "config", "testdata", "handoff.yaml"))
	waitFor(lawyer, "/queue", "目前没有排队的案件")
	citizen.send(telegramtest.TextUpdate(citizenChat, citizen.user, "/lawyer"), "请选择您的问题属于哪一类")

	apply(none)
	waitFor(lawyer, "/queue", "不对您开放")
	citizen.send(telegramtest.TextUpdate(citizenChat, citizen.user, "/lawyer"), "没有这个命令")
}
