package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/internal/telegramtest"
)

// env is a fake environment for run.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a running server.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With no environment at all, legalbot chats on the terminal on embedded defaults.
func TestRunWithoutConfigurationChats(t *testing.T) {
	stdin := strings.NewReader("老板拖欠工资三个月不给怎么办\nmy landlord won't return my deposit\n/topics\n1\n")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"legalbot"}, env(), stdin, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"embedded knowledge base", "TELEGRAM_TOKEN", "REDIS_URL", // the banner
		"《劳动合同法》第三十条",          // the wage answer's citation
		"Legal basis", "《民法典》", // the deposit answer, in English
		"[1] ", "Common questions on", // buttons as numbered options, answered by number
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"legalbot", "--help"}, {"legalbot", "serve", "--help"}, {"legalbot", "chat", "--help"}, {"legalbot", "kb", "--help"}, {"legalbot", "roster", "--help"}, {"legalbot", "roster", "apply", "--help"}} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), args, env(), strings.NewReader(""), &stdout, &stderr); err != nil {
				t.Fatalf("run: %v (%s)", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "Usage") {
				t.Errorf("no usage printed: %s", stdout.String())
			}
		})
	}
	if out := runOut(t, []string{"legalbot", "serve", "--help"}); !strings.Contains(out, "TELEGRAM_WEBHOOK_URL") {
		t.Errorf("serve --help does not list the settings:\n%s", out)
	}
}

func runOut(t *testing.T, args []string) string {
	var stdout bytes.Buffer
	run(context.Background(), args, env(), strings.NewReader(""), &stdout, io.Discard)
	return stdout.String()
}

// Every bad setting is an error naming its variable.
func TestRunBadSettings(t *testing.T) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"LEGALBOT_DEFAULT_LANG", "fr"}, "LEGALBOT_DEFAULT_LANG"},
		{[]string{"TELEGRAM_API_ENDPOINT", "http://x/bot"}, "TELEGRAM_API_ENDPOINT"},
		{[]string{"LEGALBOT_SESSION_RETENTION", "soon"}, "LEGALBOT_SESSION_RETENTION"},
		{[]string{"REDIS_URL", "mysql://x"}, "REDIS_URL"},
		{[]string{"LEGALBOT_ANSWER_THRESHOLD", "2"}, "LEGALBOT_ANSWER_THRESHOLD"},
		{[]string{"TELEGRAM_WEBHOOK_URL", "not a url", "TELEGRAM_TOKEN", "1:x"}, "TELEGRAM_WEBHOOK_URL"},
		{[]string{"LEGALBOT_CONFIG", "/no/such/file.yaml"}, "LEGALBOT_CONFIG"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			err := run(context.Background(), []string{"legalbot", "chat"}, env(tc.env...), strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
	if err := run(context.Background(), []string{"legalbot", "serve"}, env(), nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "TELEGRAM_TOKEN") {
		t.Errorf("serve without a token: %v", err)
	}
	if err := run(context.Background(), []string{"legalbot", "bogus"}, env(), nil, io.Discard, io.Discard); err == nil {
		t.Error("unknown command: want an error")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serving is a running `legalbot serve`.
type serving struct {
	srv    *telegramtest.Server
	addr   string
	stderr *syncBuffer
	stop   func() error
}

func startServe(t *testing.T, srv *telegramtest.Server, extra ...string) *serving {
	t.Helper()
	rdb := redistest.New(t)
	addr := freeAddr(t)
	kv := append([]string{
		"TELEGRAM_TOKEN", "123456:TEST-token",
		"TELEGRAM_API_ENDPOINT", srv.Endpoint(),
		"REDIS_URL", rdb.URL,
		"LEGALBOT_HTTP_ADDR", addr,
		"LEGALBOT_LOG_LEVEL", "debug",
	}, extra...)
	addr = env(kv...)("LEGALBOT_HTTP_ADDR") // extra may override it
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"legalbot"}, env(kv...), nil, io.Discard, stderr) }()
	var once sync.Once
	var runErr error
	s := &serving{srv: srv, addr: addr, stderr: stderr, stop: func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}}
	t.Cleanup(func() { s.stop() })
	// Ready when /readyz says so.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("legalbot did not become ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

type conversation struct {
	t       *testing.T
	srv     *telegramtest.Server
	chat    int64
	user    tgbotapi.User
	next    int
	deliver func(tgbotapi.Update)
}

func (c *conversation) send(u tgbotapi.Update, wants ...string) []telegramtest.Sent {
	c.t.Helper()
	c.next++
	u.UpdateID = c.next
	before := len(c.srv.MessagesTo(c.chat))
	c.deliver(u)
	ms := c.srv.WaitMessages(c.t, c.chat, before+1, 10*time.Second)[before:]
	var got strings.Builder
	for _, m := range ms {
		got.WriteString(m.Plain + "\n")
	}
	for _, w := range wants {
		if !strings.Contains(got.String(), w) {
			c.t.Errorf("reply to %s lacks %q:\n%s", describe(u), w, got.String())
		}
	}
	return ms
}

func describe(u tgbotapi.Update) string {
	if u.Message != nil {
		return fmt.Sprintf("%q", u.Message.Text)
	}
	return "button " + u.CallbackQuery.Data
}

// The conversation: /start, a question, /topics, /lang en, /forget.
func (c *conversation) run() {
	c.send(telegramtest.TextUpdate(c.chat, c.user, "/start"), "不是针对您个案的法律意见", "/forget")
	c.send(telegramtest.TextUpdate(c.chat, c.user, "老板拖欠工资三个月不给怎么办"), "《劳动合同法》第三十条")
	topics := c.send(telegramtest.TextUpdate(c.chat, c.user, "/topics"), "请选择一个类别")
	c.send(telegramtest.CallbackUpdate(c.chat, c.user, topics[0].MessageID, "t:tenancy"), "「租房」常见问题")
	c.send(telegramtest.TextUpdate(c.chat, c.user, "/lang en"), "English")
	c.send(telegramtest.TextUpdate(c.chat, c.user, "my landlord won't return my deposit"), "Legal basis")
	confirm := c.send(telegramtest.TextUpdate(c.chat, c.user, "/forget"), "Delete all data")
	c.send(telegramtest.CallbackUpdate(c.chat, c.user, confirm[0].MessageID, "forget:yes"), "has been deleted")
	// Forgotten: the language choice is gone, the client's language applies again.
	c.send(telegramtest.TextUpdate(c.chat, c.user, "/help"), "直接输入您的问题")
}

func TestServePolling(t *testing.T) {
	srv := telegramtest.NewServer(t)
	s := startServe(t, srv)
	resp, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	chat := redistest.ID()
	c := &conversation{t: t, srv: srv, chat: chat, user: telegramtest.User(chat, "小王", "", "zh"), next: int(redistest.ID())}
	c.deliver = func(u tgbotapi.Update) { srv.PushUpdate(u) }
	c.run()
	if err := s.stop(); err != nil {
		t.Errorf("serve returned %v on shutdown", err)
	}
	if log := s.stderr.String(); strings.Contains(log, "老板拖欠工资") {
		t.Errorf("a citizen's message was logged without LEGALBOT_LOG_MESSAGES:\n%s", log)
	}
}

func TestServeWebhook(t *testing.T) {
	srv := telegramtest.NewServer(t)
	hookAddr := freeAddr(t)
	s := startServe(t, srv, "LEGALBOT_HTTP_ADDR", hookAddr, "TELEGRAM_WEBHOOK_URL", "http://"+hookAddr+"/telegram/webhook")
	url, secret := srv.Webhook()
	if url != "http://"+hookAddr+"/telegram/webhook" || len(secret) < 32 {
		t.Fatalf("webhook %q with secret %q; want the configured URL and a generated secret", url, secret)
	}
	chat := redistest.ID()
	c := &conversation{t: t, srv: srv, chat: chat, user: telegramtest.User(chat, "小王", "", "zh"), next: int(redistest.ID())}
	c.deliver = func(u tgbotapi.Update) {
		if status, err := srv.DeliverWebhook(u); err != nil || status != http.StatusOK {
			t.Fatalf("webhook delivery: %d %v", status, err)
		}
	}
	c.run()

	// A redelivered update gets one reply.
	c.next++
	u := telegramtest.TextUpdate(chat, c.user, "/help")
	u.UpdateID = c.next
	before := len(srv.MessagesTo(chat))
	srv.DeliverWebhook(u)
	srv.DeliverWebhook(u)
	srv.WaitMessages(t, chat, before+1, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if got := len(srv.MessagesTo(chat)) - before; got != 1 {
		t.Errorf("redelivered update answered %d times", got)
	}
	// Without the secret: 401.
	if status, _ := srv.DeliverWebhookWithSecret(u, "", false); status != http.StatusUnauthorized {
		t.Errorf("webhook without secret: %d, want 401", status)
	}
	if err := s.stop(); err != nil {
		t.Errorf("serve returned %v", err)
	}
}
