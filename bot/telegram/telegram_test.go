package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/bot/telegram"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/internal/telegramtest"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
	"github.com/redis/go-redis/v9"
)

const wait = 10 * time.Second

// updates numbers test updates from a random base, so tests sharing a real
// Redis never claim each other's update ids, and increasing, as Telegram's are.
type updates struct{ next atomic.Int64 }

func newUpdates() *updates {
	u := &updates{}
	u.next.Store(redistest.ID())
	return u
}

func (u *updates) number(up tgbotapi.Update) tgbotapi.Update {
	up.UpdateID = int(u.next.Add(1))
	return up
}

func realEngine(t testing.TB, rdb *redistest.Redis) *bot.Engine {
	t.Helper()
	kb, _, err := knowledge.Builtin(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lex, err := knowledge.LoadLexicon(knowledge.BuiltinFS())
	if err != nil {
		t.Fatal(err)
	}
	texts, err := bot.DefaultCatalog(map[string]string{"hotline": "12348", "service": "", "retention": "30"})
	if err != nil {
		t.Fatal(err)
	}
	return bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)),
		Policy:   bot.PolicyOf(config.Default().Policy),
		Sessions: store.NewSessions(rdb.Client, 30*24*time.Hour, time.Now),
		Texts:    texts,
	})
}

func newChannel(t testing.TB, srv *telegramtest.Server, engine telegram.Handler, rdb *redistest.Redis) *telegram.Channel {
	t.Helper()
	ch, err := telegram.New(telegram.Options{Token: "123:TEST", Endpoint: srv.Endpoint(), Workers: 8, Rate: 1000,
		Locks: store.NewChatLocks(rdb.Client)},
		engine, store.NewUpdates(rdb.Client, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close(context.Background()) })
	return ch
}

func poll(t testing.TB, ch *telegram.Channel) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ch.Poll(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func plain(ms []telegramtest.Sent) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Plain + "\n---\n")
	}
	return b.String()
}

func lastButtons(ms []telegramtest.Sent) []string {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].ReplyMarkup != nil {
			var out []string
			for _, row := range ms[i].ReplyMarkup.InlineKeyboard {
				for _, b := range row {
					if b.CallbackData != nil {
						out = append(out, *b.CallbackData)
					}
				}
			}
			return out
		}
	}
	return nil
}

// The conversation of the issue, over long polling, through the real client.
func TestPollingConversation(t *testing.T) {
	srv := telegramtest.NewServer(t)
	rdb := redistest.New(t)
	ch := newChannel(t, srv, realEngine(t, rdb), rdb)
	poll(t, ch)
	ids := newUpdates()
	chat := redistest.ID()
	user := telegramtest.User(chat, "小王", "xiaowang", "zh-hans")

	step := func(u tgbotapi.Update, wantMessages int, wants ...string) []telegramtest.Sent {
		t.Helper()
		before := len(srv.MessagesTo(chat))
		srv.PushUpdate(ids.number(u))
		ms := srv.WaitMessages(t, chat, before+wantMessages, wait)[before:]
		got := plain(ms)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("reply does not contain %q:\n%s", w, got)
			}
		}
		return ms
	}

	step(telegramtest.TextUpdate(chat, user, "/start"), 1, "法律信息，不是针对您个案的法律意见")
	ms := step(telegramtest.TextUpdate(chat, user, "老板拖欠工资三个月不给怎么办"), 1, "《劳动合同法》第三十条")
	if ms[0].ParseMode != "HTML" || !strings.HasPrefix(ms[0].Text, "<b>") {
		t.Errorf("answer not in HTML with a bold title: %q", ms[0].Text)
	}
	if srv.WaitCalls(t, "sendChatAction", 1, wait)[0].Params.Get("action") != "typing" {
		t.Error("no typing action while working")
	}
	topics := step(telegramtest.TextUpdate(chat, user, "/topics"), 1, "请选择一个类别")
	if b := lastButtons(topics); len(b) == 0 || b[0] != "t:labor" {
		t.Errorf("/topics buttons: %v", b)
	}
	step(telegramtest.CallbackUpdate(chat, user, topics[0].MessageID, "t:labor"), 1, "常见问题")
	srv.WaitCalls(t, "answerCallbackQuery", 1, wait)
	step(telegramtest.TextUpdate(chat, user, "/lang en"), 1, "English")
	step(telegramtest.TextUpdate(chat, user, "my landlord won't return my deposit"), 1, "Legal basis")
	confirm := step(telegramtest.TextUpdate(chat, user, "/forget"), 1, "Delete all data")
	step(telegramtest.CallbackUpdate(chat, user, confirm[0].MessageID, "forget:yes"), 1, "has been deleted")
	// The confirmation's buttons are removed once pressed.
	edits := srv.WaitCalls(t, "editMessageReplyMarkup", 1, wait)
	if edits[len(edits)-1].MessageID != confirm[0].MessageID {
		t.Errorf("edited message %d, want %d", edits[len(edits)-1].MessageID, confirm[0].MessageID)
	}
	n, err := rdb.Client.Exists(context.Background(), fmt.Sprintf("legalbot:v1:session:{tg:%d}", chat)).Result()
	if err != nil || n != 0 {
		t.Errorf("session still stored after /forget (%d, %v)", n, err)
	}
	for _, c := range srv.Calls("sendMessage") {
		if !c.OK() {
			t.Errorf("Telegram rejected a message: %s: %s", c.Description, c.Text)
		}
	}
}

type webhookBot struct {
	srv    *telegramtest.Server
	ch     *telegram.Channel
	secret string
}

func newWebhookBot(t testing.TB, engine telegram.Handler, rdb *redistest.Redis) *webhookBot {
	srv := telegramtest.NewServer(t)
	ch := newChannel(t, srv, engine, rdb)
	const secret = "s3cret-token_1"
	hook := httptest.NewServer(ch.WebhookHandler(secret))
	t.Cleanup(hook.Close)
	if err := ch.SetWebhook(hook.URL+"/telegram/hook", secret); err != nil {
		t.Fatal(err)
	}
	return &webhookBot{srv: srv, ch: ch, secret: secret}
}

func TestWebhookSecret(t *testing.T) {
	rdb := redistest.New(t)
	w := newWebhookBot(t, realEngine(t, rdb), rdb)
	url, secret := w.srv.Webhook()
	if !strings.HasSuffix(url, "/telegram/hook") || secret != w.secret {
		t.Fatalf("setWebhook registered %q with secret %q", url, secret)
	}
	ids := newUpdates()
	chat := redistest.ID()
	user := telegramtest.User(chat, "Ann", "ann", "en")
	for _, tc := range []struct {
		name   string
		secret string
		send   bool
		want   int
	}{
		{"missing secret", "", false, http.StatusUnauthorized},
		{"wrong secret", "not-the-secret", true, http.StatusUnauthorized},
		{"right secret", w.secret, true, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, err := w.srv.DeliverWebhookWithSecret(ids.number(telegramtest.TextUpdate(chat, user, "/help")), tc.secret, tc.send)
			if err != nil || status != tc.want {
				t.Errorf("status %d (%v), want %d", status, err, tc.want)
			}
		})
	}
	// Only the accepted update is answered.
	ms := w.srv.WaitMessages(t, chat, 1, wait)
	time.Sleep(200 * time.Millisecond)
	if got := len(w.srv.MessagesTo(chat)); got != 1 || !strings.Contains(ms[0].Plain, "/topics") {
		t.Errorf("%d replies (%s), want 1 help text", got, plain(w.srv.MessagesTo(chat)))
	}
}

// The same update delivered twice, to one replica or to two sharing Redis,
// gets one reply.
func TestRedeliveredUpdateAnsweredOnce(t *testing.T) {
	rdb := redistest.New(t)
	engine := realEngine(t, rdb)
	w := newWebhookBot(t, engine, rdb)
	replica := httptest.NewServer(newChannel(t, w.srv, engine, rdb).WebhookHandler(w.secret))
	t.Cleanup(replica.Close)

	chat := redistest.ID()
	u := newUpdates().number(telegramtest.TextUpdate(chat, telegramtest.User(chat, "Li", "", "zh"), "老板拖欠工资三个月不给怎么办"))
	for i := 0; i < 3; i++ {
		if status, err := w.srv.DeliverWebhook(u); err != nil || status != http.StatusOK {
			t.Fatalf("delivery %d: %d %v", i, status, err)
		}
	}
	// The same update reaching a second replica.
	body := strings.NewReader(mustJSON(t, u))
	req, _ := http.NewRequest(http.MethodPost, replica.URL, body)
	req.Header.Set(telegramtest.SecretTokenHeader, w.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("replica: %v %v", resp, err)
	}
	w.srv.WaitMessages(t, chat, 1, wait)
	time.Sleep(300 * time.Millisecond)
	if got := len(w.srv.MessagesTo(chat)); got != 1 {
		t.Errorf("%d replies to one update delivered 4 times, want 1:\n%s", got, plain(w.srv.MessagesTo(chat)))
	}
}

// One citizen's messages reaching two replicas at once (a load balancer in
// front of the webhook): the replicas take turns on the chat, so no
// session save drops another's turn.
func TestReplicasTakeTurnsOnAChat(t *testing.T) {
	rdb := redistest.New(t)
	w := newWebhookBot(t, realEngine(t, rdb), rdb)
	second := httptest.NewServer(newChannel(t, w.srv, realEngine(t, rdb), rdb).WebhookHandler(w.secret))
	t.Cleanup(second.Close)

	chat := redistest.ID()
	user := telegramtest.User(chat, "Li", "", "zh")
	ids := newUpdates()
	questions := []string{"老板拖欠工资三个月不给怎么办", "没签劳动合同能要双倍工资吗", "加班费怎么算", "工伤怎么认定",
		"离婚孩子抚养权归谁", "押金房东不退怎么办", "借钱不还怎么起诉", "被电信诈骗了怎么办"}
	var wg sync.WaitGroup
	for i, q := range questions {
		u := ids.number(telegramtest.TextUpdate(chat, user, q))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if status, err := w.srv.DeliverWebhook(u); err != nil || status != http.StatusOK {
					t.Errorf("delivery to the first replica: %d %v", status, err)
				}
				return
			}
			req, _ := http.NewRequest(http.MethodPost, second.URL, strings.NewReader(mustJSON(t, u)))
			req.Header.Set(telegramtest.SecretTokenHeader, w.secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("delivery to the second replica: %v %v", resp, err)
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	w.srv.WaitMessages(t, chat, len(questions), wait)
	sess, err := store.NewSessions(rdb.Client, time.Hour, time.Now).Load(context.Background(), "tg:"+strconv.FormatInt(chat, 10))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, turn := range sess.Turns {
		got = append(got, turn.Text)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(questions))
	if !slices.Equal(got, want) {
		t.Errorf("session kept %d of %d turns: %q", len(got), len(questions), got)
	}
}

// Redis going away mid-conversation degrades the bot, it does not silence
// it: the update claim, the chat lock and the session all fail, and the
// citizen is still answered.
func TestRedisOutageStillAnswers(t *testing.T) {
	m := miniredis.RunT(t)
	rdb := &redistest.Redis{Client: redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1}), Mini: m}
	t.Cleanup(func() { rdb.Client.Close() })
	srv := telegramtest.NewServer(t)
	ch := newChannel(t, srv, realEngine(t, rdb), rdb)
	poll(t, ch)
	chat := redistest.ID()
	user := telegramtest.User(chat, "Li", "", "zh")
	ids := newUpdates()
	srv.PushUpdate(ids.number(telegramtest.TextUpdate(chat, user, "老板拖欠工资三个月不给怎么办")))
	srv.WaitMessages(t, chat, 1, wait)

	m.Close()
	srv.PushUpdate(ids.number(telegramtest.TextUpdate(chat, user, "没签劳动合同能要双倍工资吗")))
	ms := srv.WaitMessages(t, chat, 2, wait)
	if got := ms[len(ms)-1].Plain; !strings.Contains(got, "二倍的工资") {
		t.Errorf("reply during the outage: %q, want the written-contract answer", got)
	}
}

// stubEngine replies what reply returns, recording the order of messages.
type stubEngine struct {
	mu    sync.Mutex
	seen  map[string][]string
	reply func(in bot.Incoming) bot.Response
	delay func()
}

func (s *stubEngine) Handle(ctx context.Context, in bot.Incoming) (bot.Response, error) {
	if s.delay != nil {
		s.delay()
	}
	s.mu.Lock()
	if s.seen == nil {
		s.seen = map[string][]string{}
	}
	s.seen[in.Citizen] = append(s.seen[in.Citizen], in.Text)
	s.mu.Unlock()
	if s.reply != nil {
		return s.reply(in), nil
	}
	return bot.Response{Replies: []bot.Reply{{Text: "echo " + in.Text}}}, nil
}

func TestLongRepliesAreSplitAndEscaped(t *testing.T) {
	para := strings.Repeat("劳动者 <依法> & 享有权利。", 40) // 680 runes, with characters HTML reserves
	long := strings.TrimSpace(strings.Repeat(para+"\n\n", 15))
	engine := &stubEngine{reply: func(bot.Incoming) bot.Response {
		return bot.Response{Replies: []bot.Reply{{Title: "<标题> & title", Text: long, Buttons: [][]bot.Button{{{Label: "👍", Data: "fb:x:up"}}}}}}
	}}
	rdb := redistest.New(t)
	srv := telegramtest.NewServer(t)
	poll(t, newChannel(t, srv, engine, rdb))
	chat := redistest.ID()
	srv.PushUpdate(newUpdates().number(telegramtest.TextUpdate(chat, telegramtest.User(chat, "A", "", "zh"), "hi")))
	ms := srv.WaitMessages(t, chat, 3, wait)
	time.Sleep(200 * time.Millisecond)
	ms = srv.MessagesTo(chat)
	var joined []string
	for i, m := range ms {
		if n := telegramtest.UTF16Len(m.Text); n > telegram.MaxMessageLength {
			t.Errorf("message %d is %d UTF-16 units long", i, n)
		}
		if (m.ReplyMarkup != nil) != (i == len(ms)-1) {
			t.Errorf("message %d of %d: buttons %v; want them on the last only", i, len(ms), m.ReplyMarkup != nil)
		}
		joined = append(joined, m.Plain)
	}
	want := "<标题> & title\n\n" + long
	if got := strings.Join(joined, "\n\n"); got != want {
		t.Errorf("split messages do not rejoin to the reply (%d vs %d chars)", len(got), len(want))
	}
	if !strings.HasSuffix(ms[0].Plain, "。") {
		t.Errorf("first chunk not cut at a paragraph end: …%q", ms[0].Plain[len(ms[0].Plain)-20:])
	}
}

// Updates of one chat are handled in order even when handling takes
// variable time; chats run concurrently.
func TestPerChatOrder(t *testing.T) {
	var n atomic.Int64
	engine := &stubEngine{delay: func() { time.Sleep(time.Duration(n.Add(7)%5) * time.Millisecond) }}
	rdb := redistest.New(t)
	srv := telegramtest.NewServer(t)
	poll(t, newChannel(t, srv, engine, rdb))
	ids := newUpdates()
	chats := []int64{redistest.ID(), redistest.ID(), redistest.ID()}
	const per = 15
	for i := 0; i < per; i++ {
		for _, c := range chats {
			srv.PushUpdate(ids.number(telegramtest.TextUpdate(c, telegramtest.User(c, "A", "", "en"), fmt.Sprintf("m%02d", i))))
		}
	}
	for _, c := range chats {
		ms := srv.WaitMessages(t, c, per, wait)
		for i, m := range ms {
			if want := fmt.Sprintf("echo m%02d", i); m.Plain != want {
				t.Fatalf("chat %d reply %d = %q, want %q", c, i, m.Plain, want)
			}
		}
	}
}

func TestRateLimitedSendIsRetried(t *testing.T) {
	rdb := redistest.New(t)
	srv := telegramtest.NewServer(t)
	srv.FailNext("sendMessage", 429, "", 1)
	poll(t, newChannel(t, srv, &stubEngine{}, rdb))
	chat := redistest.ID()
	srv.PushUpdate(newUpdates().number(telegramtest.TextUpdate(chat, telegramtest.User(chat, "A", "", "en"), "hello")))
	ms := srv.WaitMessages(t, chat, 1, wait)
	calls := srv.Calls("sendMessage")
	if ms[0].Plain != "echo hello" || len(calls) != 2 || calls[1].At.Sub(calls[0].At) < 900*time.Millisecond {
		t.Errorf("want one 429 then a send ≥1s later; calls: %v", calls)
	}
}

func TestSetCommands(t *testing.T) {
	rdb := redistest.New(t)
	engine := realEngine(t, rdb)
	srv := telegramtest.NewServer(t)
	ch := newChannel(t, srv, engine, rdb)
	ch.SetCommands(context.Background(), bot.Commands, engine.Languages(), "zh", engine.CommandDescription)
	scope := tgbotapi.NewBotCommandScopeDefault()
	if got := srv.MyCommands(&scope, "en"); len(got) != len(bot.Commands) || got[1].Command != "topics" || !strings.Contains(got[1].Description, "topic") {
		t.Errorf("English commands: %+v", got)
	}
	if got := srv.MyCommands(&scope, "zh"); len(got) != len(bot.Commands) || !strings.Contains(got[1].Description, "类别") {
		t.Errorf("Chinese commands: %+v", got)
	}

	// A failing setMyCommands is logged; the bot still answers.
	srv2 := telegramtest.NewServer(t, telegramtest.WithMethods("getMe", "getUpdates", "deleteWebhook", "sendMessage", "sendChatAction", "answerCallbackQuery", "editMessageReplyMarkup"))
	ch2 := newChannel(t, srv2, engine, rdb)
	ch2.SetCommands(context.Background(), bot.Commands, engine.Languages(), "zh", engine.CommandDescription)
	poll(t, ch2)
	chat := redistest.ID()
	srv2.PushUpdate(newUpdates().number(telegramtest.TextUpdate(chat, telegramtest.User(chat, "A", "", "en"), "/help")))
	srv2.WaitMessages(t, chat, 1, wait)
}

// Close waits for updates in flight: their replies still go out.
func TestCloseDrainsInFlightUpdates(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	engine := &stubEngine{delay: func() { started <- struct{}{}; <-release }}
	rdb := redistest.New(t)
	srv := telegramtest.NewServer(t)
	ch := newChannel(t, srv, engine, rdb)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ch.Poll(ctx); close(done) }()
	chat := redistest.ID()
	srv.PushUpdate(newUpdates().number(telegramtest.TextUpdate(chat, telegramtest.User(chat, "A", "", "en"), "slow")))
	<-started
	cancel() // stop intake
	<-done
	closed := make(chan error, 1)
	go func() { closed <- ch.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned while an update was still in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if ms := srv.MessagesTo(chat); len(ms) != 1 || ms[0].Plain != "echo slow" {
		t.Errorf("in-flight reply lost: %s", plain(ms))
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
