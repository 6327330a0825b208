package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/bot/telegram"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/handoff"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/internal/telegramtest"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
)

// clock is the injected time of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// office is a legal-aid office: two lawyers and a supervisor, on one Redis,
// served by one or more bot replicas behind one Bot API.
type office struct {
	t          *testing.T
	srv        *telegramtest.Server
	rdb        *redistest.Redis
	clock      *clock
	roster     config.Handoff
	lawyerA    int64
	lawyerB    int64
	supervisor int64
	replicas   []*replica
	name       string // the office's namespace in Redis, unique per test
	secret     string
	ids        *updates
}

type replica struct {
	engine  *bot.Engine
	handoff *bot.Handoff
	ch      *telegram.Channel
	url     string
}

var allWeek = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// newOffice builds the office; shiftDays are the days the lawyers work
// 09:00–17:30 (Asia/Shanghai), nil for around the clock.
func newOffice(t *testing.T, replicas int, now time.Time, shifts []config.ShiftConfig, opts ...telegramtest.Option) *office {
	t.Helper()
	o := &office{t: t, srv: telegramtest.NewServer(t, opts...), rdb: redistest.New(t), clock: &clock{t: now},
		lawyerA: redistest.ID(), lawyerB: redistest.ID(), supervisor: redistest.ID(), secret: "office-secret", ids: newUpdates(),
		name: fmt.Sprintf("office-%d", redistest.ID())}
	if shifts == nil {
		shifts = []config.ShiftConfig{{Days: allWeek, From: "00:00", To: "24:00"}}
	}
	o.roster = config.Default().Handoff
	o.roster.Supervisors = []int64{o.supervisor}
	o.roster.Lawyers = []config.LawyerConfig{
		{TelegramID: o.lawyerA, Name: "王律师", Languages: []string{"zh", "en"}, Specialties: []string{"labor"}, Shifts: shifts},
		{TelegramID: o.lawyerB, Name: "李律师", Languages: []string{"zh"}, Shifts: shifts},
	}
	for range replicas {
		o.addReplica()
	}
	return o
}

// addReplica starts one more bot process on the office's Redis (also how a
// restart is simulated).
func (o *office) addReplica() *replica {
	t := o.t
	roster, err := handoff.NewRoster(o.roster)
	if err != nil {
		t.Fatal(err)
	}
	kb, _, err := knowledge.Builtin(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lex, _ := knowledge.LoadLexicon(knowledge.BuiltinFS())
	texts, _ := bot.DefaultCatalog(map[string]string{"hotline": "12348", "service": "", "retention": "30"})
	ho := &bot.Handoff{Roster: roster, Cases: store.NewCases(o.rdb.Client, o.name, 30*24*time.Hour, o.clock.Now), Signals: bot.DefaultDetector()}
	engine := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)),
		Policy:   bot.PolicyOf(config.Default().Policy),
		Sessions: store.NewSessions(o.rdb.Client, 30*24*time.Hour, o.clock.Now),
		Texts:    texts, Now: o.clock.Now,
		Handoff: ho,
	})
	ch := newChannel(t, o.srv, engine, o.rdb)
	engine.SetOutbox(ch)
	hook := httptest.NewServer(ch.WebhookHandler(o.secret))
	t.Cleanup(hook.Close)
	r := &replica{engine: engine, handoff: ho, ch: ch, url: hook.URL}
	o.replicas = append(o.replicas, r)
	return r
}

// deliver hands an update to a replica, as Telegram's webhook (behind a
// load balancer) would.
func (o *office) deliver(r *replica, u tgbotapi.Update) {
	o.t.Helper()
	u = o.ids.number(u)
	o.srv.RegisterUpdate(u)
	body, _ := json.Marshal(u)
	req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
	req.Header.Set(telegramtest.SecretTokenHeader, o.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		o.t.Fatalf("deliver: %v %v", resp, err)
	}
	resp.Body.Close()
}

func (o *office) cases() *store.Cases {
	return store.NewCases(o.rdb.Client, o.name, time.Hour, time.Now)
}

func (o *office) any() *replica { return o.replicas[rand.IntN(len(o.replicas))] }

// person is someone writing to the bot.
type person struct {
	o    *office
	id   int64
	user tgbotapi.User
}

func (o *office) person(id int64, lang string) *person {
	return &person{o: o, id: id, user: telegramtest.User(id, "Name"+fmt.Sprint(id%1000), "user"+fmt.Sprint(id%1000), lang)}
}

// says sends text and waits for n new messages to the person, returning them.
func (p *person) says(text string, n int) []telegramtest.Sent {
	p.o.t.Helper()
	before := len(p.o.srv.MessagesTo(p.id))
	p.o.deliver(p.o.any(), telegramtest.TextUpdate(p.id, p.user, text))
	return p.o.srv.WaitMessages(p.o.t, p.id, before+n, wait)[before:]
}

func (p *person) presses(msg telegramtest.Sent, data string, n int) []telegramtest.Sent {
	p.o.t.Helper()
	before := len(p.o.srv.MessagesTo(p.id))
	p.o.deliver(p.o.any(), telegramtest.CallbackUpdate(p.id, p.user, msg.MessageID, data))
	return p.o.srv.WaitMessages(p.o.t, p.id, before+n, wait)[before:]
}

// sendsPhoto sends a photo and waits for n messages to the person.
func (p *person) sendsPhoto(fileID string) {
	p.o.t.Helper()
	p.o.deliver(p.o.any(), telegramtest.PhotoUpdate(p.id, p.user, fileID, "证据"))
}

func texts(ms []telegramtest.Sent) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Plain + "\n")
	}
	return b.String()
}

func must(t *testing.T, ms []telegramtest.Sent, wants ...string) {
	t.Helper()
	got := texts(ms)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("messages lack %q:\n%s", w, got)
		}
	}
}

// intake runs the questionnaire (category labor, the rest skipped or
// answered) and returns the case id.
func (p *person) intake(t *testing.T) string {
	t.Helper()
	first := p.says("/lawyer", 1)
	must(t, first, "请选择您的问题属于哪一类")
	region := p.presses(first[0], "ho:cat:labor", 1)
	p.presses(region[0], "ho:skip", 1) // the summary question
	deadline := p.says("老板欠我三个月工资，一直拖着不给", 1)
	consent := p.presses(deadline[0], "ho:dl:none", 1)
	must(t, consent, "Telegram 名字")
	queued := p.presses(consent[0], "ho:consent:yes", 1)
	must(t, queued, "案件编号")
	id := caseIDIn(queued[0].Plain)
	if id == "" {
		t.Fatalf("no case id in %q", queued[0].Plain)
	}
	return id
}

// assign has lawyer A take the case by its Take button and waits until the
// citizen has been told; it returns the lawyer.
func (o *office) assign(t *testing.T, citizen *person, id string) *person {
	t.Helper()
	lawyer := o.person(o.lawyerA, "zh")
	lawyer.presses(takeNotification(t, o, o.lawyerA, id), "take:"+id, 1)
	waitFor(t, func() bool { return strings.Contains(texts(o.srv.MessagesTo(citizen.id)), "已经接手") }, "the citizen to hear the case was taken")
	return lawyer
}

// skipIntake asks for a lawyer and skips every question; it returns the
// consent question.
func (p *person) skipIntake() []telegramtest.Sent {
	p.o.t.Helper()
	first := p.says("/lawyer", 1)
	region := p.presses(first[0], "ho:cat:-", 1)
	summary := p.presses(region[0], "ho:skip", 1)
	deadline := p.presses(summary[0], "ho:skip", 1)
	return p.presses(deadline[0], "ho:dl:none", 1)
}

func caseIDIn(s string) string {
	i := strings.Index(s, "C-")
	if i < 0 || i+6 > len(s) {
		return ""
	}
	return s[i : i+6]
}

func takeNotification(t *testing.T, o *office, lawyer int64, caseID string) telegramtest.Sent {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, m := range o.srv.MessagesTo(lawyer) {
			if strings.Contains(m.Plain, caseID) && m.ReplyMarkup != nil {
				for _, row := range m.ReplyMarkup.InlineKeyboard {
					for _, b := range row {
						if b.CallbackData != nil && *b.CallbackData == "take:"+caseID {
							return m
						}
					}
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("lawyer %d got no Take button for %s:\n%s", lawyer, caseID, o.srv.Dump())
	return telegramtest.Sent{}
}

// The whole handoff, 100 times, with two lawyers tapping Take at once on two
// replicas: exactly one owner, never a lost case, relay both ways, close, rating.
func TestHandoffTakeRaceRelayCloseRate(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 10
	}
	o := newOffice(t, 2, time.Now(), nil)
	cases := o.cases()
	for round := 0; round < rounds; round++ {
		citizen := o.person(redistest.ID(), "zh")
		id := citizen.intake(t)
		na := takeNotification(t, o, o.lawyerA, id)
		nb := takeNotification(t, o, o.lawyerB, id)
		must(t, []telegramtest.Sent{na}, "新案件 "+id, "劳动与工资", "老板欠我三个月工资")
		if strings.Contains(na.Plain, citizen.user.UserName) || strings.Contains(na.Plain, citizen.user.FirstName) {
			t.Fatalf("the case card shows the citizen's identity: %s", na.Plain)
		}

		// Both tap Take at the same moment on different replicas.
		var wg sync.WaitGroup
		for i, tap := range []struct {
			lawyer int64
			msg    telegramtest.Sent
		}{{o.lawyerA, na}, {o.lawyerB, nb}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				l := o.person(tap.lawyer, "zh")
				o.deliver(o.replicas[(i+round)%2], telegramtest.CallbackUpdate(l.id, l.user, tap.msg.MessageID, "take:"+id))
			}()
		}
		wg.Wait()
		var cs *store.Case
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			cs, _ = cases.Get(context.Background(), id)
			if cs != nil && cs.Status == store.CaseAssigned {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if cs == nil || cs.Status != store.CaseAssigned || (cs.Lawyer != o.lawyerA && cs.Lawyer != o.lawyerB) {
			t.Fatalf("round %d: case %s lost: %+v", round, id, cs)
		}
		winner, loser := o.person(cs.Lawyer, "zh"), o.person(o.lawyerB, "zh")
		if cs.Lawyer == o.lawyerB {
			loser = o.person(o.lawyerA, "zh")
		}
		for _, l := range []int64{o.lawyerA, o.lawyerB} {
			if n, _ := o.rdb.Client.SIsMember(context.Background(), "legalbot:v1:{"+o.name+"}:lawyer-cases:"+fmt.Sprint(l), id).Result(); n != (l == cs.Lawyer) {
				t.Fatalf("round %d: lawyer %d holds the case: %v (owner %d)", round, l, n, cs.Lawyer)
			}
		}
		// The loser's notification now says who took it.
		waitFor(t, func() bool {
			m, _ := o.srv.Message(loser.id, map[int64]int{o.lawyerA: na.MessageID, o.lawyerB: nb.MessageID}[loser.id])
			return strings.Contains(m.Text, "已由") && m.ReplyMarkup == nil
		}, "the other lawyer's notification to say the case was taken")
		waitFor(t, func() bool { return strings.Contains(texts(o.srv.MessagesTo(citizen.id)), "已经接手您的案件") },
			"the citizen to hear the case was taken")

		waitFor(t, func() bool { return strings.Contains(texts(o.srv.MessagesTo(winner.id)), "您已接手 "+id) },
			"the winner to be told")
		// Relay both ways: text and a photo.
		got := citizen.o.relay(citizen, winner, "他说下个月再给")
		must(t, got, "["+id+"]", "他说下个月再给")
		back := o.relay(winner, citizen, "请把工资条拍照发给我")
		must(t, back, cs.LawyerName+"：请把工资条拍照发给我")
		o.srv.AddFile("photo-"+id, []byte("jpeg"))
		beforeCopies := len(o.srv.Calls("copyMessage"))
		citizen.sendsPhoto("photo-" + id)
		waitFor(t, func() bool { return len(o.srv.Calls("copyMessage")) > beforeCopies }, "the photo to be copied to the lawyer")
		if c := o.srv.Calls("copyMessage"); c[len(c)-1].ChatID != winner.id || c[len(c)-1].FromChatID != citizen.id {
			t.Fatalf("photo copied to %d from %d", c[len(c)-1].ChatID, c[len(c)-1].FromChatID)
		}
		winner.sendsPhoto("photo-" + id)
		waitFor(t, func() bool {
			c := o.srv.Calls("copyMessage")
			return len(c) > beforeCopies+1 && c[len(c)-1].ChatID == citizen.id
		}, "the lawyer's photo to be copied to the citizen")

		// Close, rate.
		before := len(o.srv.MessagesTo(citizen.id))
		winner.says("/close resolved", 1)
		rating := o.srv.WaitMessages(t, citizen.id, before+1, wait)[before:]
		must(t, rating, "已结束", "已解决")
		must(t, citizen.presses(rating[0], "ho:rate:"+id+":5", 1), "谢谢您的评分")
		must(t, citizen.says("律师很耐心", 1), "意见已记录")
		cs, _ = cases.Get(context.Background(), id)
		if cs.Status != store.CaseClosed || cs.Rating != 5 || cs.Outcome != "resolved" || cs.Comment != "律师很耐心" {
			t.Fatalf("round %d: closed case %+v", round, cs)
		}
	}
}

// relay sends text from one person and returns the new messages to the other.
func (o *office) relay(from, to *person, text string) []telegramtest.Sent {
	o.t.Helper()
	before := len(o.srv.MessagesTo(to.id))
	o.deliver(o.any(), telegramtest.TextUpdate(from.id, from.user, text))
	return o.srv.WaitMessages(o.t, to.id, before+1, wait)[before:]
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// Out of hours: the citizen hears so, with the next shift and 12348, and may
// leave the case; lawyers coming on duty are told about it.
func TestHandoffOutOfHours(t *testing.T) {
	saturday := time.Date(2026, 12, 5, 20, 0, 0, 0, shanghai)
	o := newOffice(t, 1, saturday, []config.ShiftConfig{{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "09:00", To: "17:30"}})
	citizen := o.person(redistest.ID(), "zh")
	consent := citizen.skipIntake()
	offer := citizen.presses(consent[0], "ho:consent:yes", 1)
	must(t, offer, "现在没有值班律师在岗", "12月7日 09:00", "12348")
	queued := citizen.presses(offer[0], "ho:leave:yes", 1)
	id := caseIDIn(queued[0].Plain)
	if id == "" || len(o.srv.MessagesTo(o.lawyerA)) != 0 {
		t.Fatalf("case %q; lawyer messages %s", id, texts(o.srv.MessagesTo(o.lawyerA)))
	}
	// Monday 09:00: the shift starts; the timers tell the lawyers, once.
	o.clock.t = time.Date(2026, 12, 7, 9, 0, 30, 0, shanghai)
	for _, r := range o.replicas {
		r.engine.Tick(context.Background())
		r.engine.Tick(context.Background())
	}
	ms := o.srv.WaitMessages(t, o.lawyerA, 1, wait)
	must(t, ms, "您已到值班时间", id)
	time.Sleep(100 * time.Millisecond)
	if n := len(o.srv.MessagesTo(o.lawyerA)); n != 1 {
		t.Errorf("lawyer told %d times, want once", n)
	}
	// /status shows the position.
	must(t, citizen.says("/status", 1), id, "第 1 位")
}

// Urgent: emergency numbers first, then the offer; the case jumps the queue.
func TestHandoffUrgent(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	calm := o.person(redistest.ID(), "zh")
	calmID := calm.intake(t)
	scared := o.person(redistest.ID(), "zh")
	ms := scared.says("我老公又打我了，还说要杀了我，我很害怕", 3)
	if !strings.Contains(ms[0].Plain, "110") || !strings.Contains(ms[0].Plain, "120") || !strings.Contains(ms[0].Plain, "12338") {
		t.Fatalf("emergency numbers not first: %s", texts(ms))
	}
	must(t, ms[1:], "优先安排值班律师")
	intake := scared.presses(ms[1], "ho:start:urgent", 1)
	region := scared.presses(intake[0], "ho:cat:family", 1)
	summary := scared.presses(region[0], "ho:skip", 1)
	deadline := scared.presses(summary[0], "ho:skip", 1)
	consent := scared.presses(deadline[0], "ho:dl:none", 1)
	queued := scared.presses(consent[0], "ho:consent:yes", 1)
	must(t, queued, "紧急情况优先排队", "第 1 位")
	urgentID := caseIDIn(queued[0].Plain)
	card := takeNotification(t, o, o.lawyerA, urgentID)
	must(t, []telegramtest.Sent{card}, "紧急：violence")
	ids, _ := o.cases().Waiting(context.Background(), 10)
	if pos := indexOf(ids, urgentID); pos < 0 || pos > indexOf(ids, calmID) {
		t.Errorf("queue %v: the urgent case %s must come before %s", ids, urgentID, calmID)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A case unclaimed for claim_within is re-notified and escalated to the
// supervisors, once, however many replicas tick.
func TestHandoffEscalation(t *testing.T) {
	o := newOffice(t, 2, time.Now(), nil)
	citizen := o.person(redistest.ID(), "zh")
	id := citizen.intake(t)
	takeNotification(t, o, o.lawyerA, id)
	for _, r := range o.replicas {
		r.engine.Tick(context.Background())
	}
	if n := len(o.srv.MessagesTo(o.supervisor)); n != 0 {
		t.Fatalf("escalated before claim_within: %d messages", n)
	}
	o.clock.Advance(5*time.Minute + time.Second)
	var wg sync.WaitGroup
	for _, r := range o.replicas {
		wg.Add(1)
		go func() { defer wg.Done(); r.engine.Tick(context.Background()) }()
	}
	wg.Wait()
	sup := o.srv.WaitMessages(t, o.supervisor, 1, wait)
	must(t, sup, "⏰", id, "无人接手")
	time.Sleep(100 * time.Millisecond)
	if n := len(o.srv.MessagesTo(o.supervisor)); n != 1 {
		t.Errorf("supervisor alerted %d times, want once", n)
	}
	// Re-notified: a fresh Take message for both lawyers (the old one retired).
	var takes int
	for _, m := range o.srv.MessagesTo(o.lawyerB) {
		if strings.Contains(m.Plain, "新案件 "+id) {
			takes++
		}
	}
	if takes != 2 {
		t.Errorf("lawyer B got %d case cards, want the first and the re-notification", takes)
	}
	// The supervisor can't take it (not a lawyer), a lawyer can, from the new card.
	lawyer := o.person(o.lawyerB, "zh")
	card := takeNotification(t, o, o.lawyerB, id)
	lawyer.presses(card, "take:"+id, 1)
	cs, _ := o.cases().Get(context.Background(), id)
	if cs.Status != store.CaseAssigned || cs.Lawyer != o.lawyerB {
		t.Errorf("after escalation: %+v", cs)
	}
}

// A new process on the same Redis carries on with an assigned case.
func TestHandoffSurvivesRestart(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	citizen := o.person(redistest.ID(), "zh")
	id := citizen.intake(t)
	lawyer := o.assign(t, citizen, id)
	// The old process stops; a new one starts on the same Redis.
	o.replicas[0].ch.Close(context.Background())
	o.replicas = nil
	o.addReplica()
	must(t, o.relay(citizen, lawyer, "我还在"), "["+id+"]", "我还在")
	must(t, o.relay(lawyer, citizen, "收到"), "王律师：收到")
	must(t, lawyer.says("/note 当事人有工资条", 1), "备注已保存")
	before := len(o.srv.MessagesTo(citizen.id))
	lawyer.says("/close legal_aid", 1)
	must(t, o.srv.WaitMessages(t, citizen.id, before+1, wait)[before:], "转法律援助")
}

// A citizen who tries lawyer commands or forges a Take callback gets only
// a polite "not available", and nothing changes.
func TestCitizenCannotActAsLawyer(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	victim := o.person(redistest.ID(), "zh")
	id := victim.intake(t)
	intruder := o.person(redistest.ID(), "zh")
	for _, cmd := range []string{"/take " + id, "/close resolved", "/queue", "/transfer " + id + " queue", "/note hi", "/onduty", "/case " + id} {
		must(t, intruder.says(cmd, 1), "不对您开放")
	}
	before := len(o.srv.Calls("answerCallbackQuery"))
	o.deliver(o.any(), telegramtest.CallbackUpdate(intruder.id, intruder.user, 1, "take:"+id))
	o.deliver(o.any(), telegramtest.CallbackUpdate(intruder.id, intruder.user, 1, "close:"+id+":resolved"))
	calls := o.srv.WaitCalls(t, "answerCallbackQuery", before+2, wait)
	for _, c := range calls[before:] {
		if !strings.Contains(c.Params.Get("text"), "不对您开放") {
			t.Errorf("forged callback answered %q", c.Params.Get("text"))
		}
	}
	cs, _ := o.cases().Get(context.Background(), id)
	if cs.Status != store.CaseWaiting {
		t.Errorf("a citizen changed the case: %+v", cs)
	}
	// Someone else's rating button is refused too.
	msgs := intruder.says("/help", 1)
	o.deliver(o.any(), telegramtest.CallbackUpdate(intruder.id, intruder.user, msgs[0].MessageID, "ho:rate:"+id+":1"))
	time.Sleep(100 * time.Millisecond)
	if cs, _ := o.cases().Get(context.Background(), id); cs.Rating != 0 {
		t.Errorf("a stranger rated the case")
	}
}

// The text handoff needs only the basic Bot API methods.
func TestHandoffOnMinimalBotAPI(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil, telegramtest.WithMethods("getMe", "getUpdates", "sendMessage", "editMessageText",
		"editMessageReplyMarkup", "answerCallbackQuery", "deleteMessage", "setWebhook", "deleteWebhook"))
	citizen := o.person(redistest.ID(), "zh")
	id := citizen.intake(t)
	lawyer := o.assign(t, citizen, id)
	must(t, o.relay(citizen, lawyer, "你好律师"), "你好律师")
	must(t, o.relay(lawyer, citizen, "你好"), "王律师：你好")
	must(t, citizen.says("/end", 1), "您已结束案件 "+id)
}

func TestLawyerQueueTakeSwitchReplyTransfer(t *testing.T) {
	o := newOffice(t, 2, time.Now(), nil)
	c1, c2 := o.person(redistest.ID(), "zh"), o.person(redistest.ID(), "zh")
	id1, id2 := c1.intake(t), c2.intake(t)
	a, b := o.person(o.lawyerA, "zh"), o.person(o.lawyerB, "zh")
	takeNotification(t, o, o.lawyerA, id2)
	must(t, a.says("/queue", 1), "排队中的案件", id1, id2)
	must(t, a.says("/take "+strings.ToLower(id1), 2), "新案件 "+id1, "您已接手 "+id1)
	must(t, a.says("/take "+id2, 2), "您已接手 "+id2)
	must(t, b.says("/take "+id2, 1), "已经被王律师接手")
	must(t, a.says("/cases", 1), id1, "▶ "+id2)
	// The current case is id2; a reply to a message of case 1 goes to case 1.
	relayed := o.relay(c1, a, "第一位当事人的消息")
	// The bot records which case a relayed message belongs to just after sending it.
	waitFor(t, func() bool {
		id, _ := o.cases().MessageCase(context.Background(), fmt.Sprintf("tg:%d", a.id), relayed[0].MessageID)
		return id == id1
	}, "the relayed message to be mapped to its case")
	before := len(o.srv.MessagesTo(c1.id))
	u := telegramtest.TextUpdate(a.id, a.user, "回复第一位")
	u.Message.ReplyToMessage = &tgbotapi.Message{MessageID: relayed[0].MessageID, Chat: u.Message.Chat}
	o.deliver(o.any(), u)
	must(t, o.srv.WaitMessages(t, c1.id, before+1, wait)[before:], "王律师：回复第一位")
	must(t, o.relay(a, c2, "给第二位"), "王律师：给第二位")
	must(t, a.says("/case "+id1, 1), "已切换到 "+id1)
	must(t, o.relay(a, c1, "现在是第一位"), "现在是第一位")
	// Transfer case 1 to lawyer B with its history; case 2 back to the queue.
	before = len(o.srv.MessagesTo(b.id))
	must(t, a.says(fmt.Sprintf("/transfer %s %d", id1, o.lawyerB), 1), "已转交给李律师")
	card := o.srv.WaitMessages(t, b.id, before+1, wait)[before:]
	must(t, card, "王律师把案件 "+id1+" 转交给您", "第一位当事人的消息", "现在是第一位")
	waitFor(t, func() bool { return strings.Contains(texts(o.srv.MessagesTo(c1.id)), "李律师已经接手") }, "citizen 1 to hear of the transfer")
	must(t, o.relay(c1, b, "李律师您好"), "["+id1+"]", "李律师您好")
	must(t, a.says("/transfer "+id2+" queue", 1), "已放回队列")
	takeNotification(t, o, o.lawyerB, id2)
	cs, _ := o.cases().Get(context.Background(), id2)
	if cs.Status != store.CaseWaiting {
		t.Errorf("case 2 after transfer to the queue: %+v", cs)
	}
	must(t, a.says("/close", 1), "没有处理中的案件")
}

func TestLawyerOfferedWhenTheFAQCannotHelp(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	c := o.person(redistest.ID(), "zh")
	ms := c.says("帮我写一首关于春天的诗", 1)
	if b := lastButtons(ms); len(b) != 1 || b[0] != "ho:start" {
		t.Errorf("decline without the offer of a lawyer: %v", b)
	}
	must(t, c.says("我要找律师", 1), "请选择您的问题属于哪一类")
	c2 := o.person(redistest.ID(), "zh")
	answer := c2.says("老板拖欠工资三个月不给怎么办", 1)
	entry := strings.TrimSuffix(strings.TrimPrefix(lastButtons(answer)[0], "fb:"), ":up")
	first := c2.presses(answer[0], "fb:"+entry+":down", 1)
	if b := lastButtons(first); len(b) != 0 {
		t.Errorf("one 👎 already offers a lawyer: %v", b)
	}
	again := c2.says("房东不退押金怎么办", 1)
	entry2 := strings.TrimSuffix(strings.TrimPrefix(lastButtons(again)[0], "fb:"), ":up")
	second := c2.presses(again[0], "fb:"+entry2+":down", 1)
	if b := lastButtons(second); len(b) != 1 || b[0] != "ho:start" {
		t.Errorf("two 👎 in a row: want the offer of a lawyer, got %v", b)
	}
}

// The citizen may choose to show the lawyer their Telegram name.
func TestHandoffCitizenSharesName(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	c := o.person(redistest.ID(), "en")
	consent := c.skipIntake()
	must(t, consent, "Unless you choose to show your name")
	queued := c.presses(consent[0], "ho:consent:named", 1)
	card := takeNotification(t, o, o.lawyerA, caseIDIn(queued[0].Plain))
	must(t, []telegramtest.Sent{card}, c.user.FirstName, "@"+c.user.UserName)
}

// /onduty puts a lawyer on duty outside their shifts (and shows the queue);
// /offduty takes them off.
func TestLawyerOnDutyOffDuty(t *testing.T) {
	saturday := time.Date(2026, 12, 5, 20, 0, 0, 0, shanghai)
	o := newOffice(t, 1, saturday, []config.ShiftConfig{{Days: []string{"mon"}, From: "09:00", To: "10:00"}})
	waiting := o.person(redistest.ID(), "zh")
	consent := waiting.skipIntake()
	offer := waiting.presses(consent[0], "ho:consent:yes", 1)
	queued := waiting.presses(offer[0], "ho:leave:yes", 1)
	id := caseIDIn(queued[0].Plain)

	a := o.person(o.lawyerA, "zh")
	must(t, a.says("/onduty", 2), "您已上班", id)
	c := o.person(redistest.ID(), "zh")
	newID := c.intake(t) // lawyer A is on duty now: notified at once
	takeNotification(t, o, o.lawyerA, newID)
	must(t, a.says("/offduty", 1), "您已下班")
	d := o.person(redistest.ID(), "zh")
	consent = d.skipIntake()
	must(t, d.presses(consent[0], "ho:consent:yes", 1), "现在没有值班律师在岗")
}

// What a citizen sends while the case waits reaches the lawyer who takes it.
func TestHandoffWaitingMessagesReachTheLawyer(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	c := o.person(redistest.ID(), "zh")
	id := c.intake(t)
	must(t, c.says("补充一下，公司叫某某建筑", 1), "正在排队")
	o.srv.AddFile("contract-"+id, []byte("pdf"))
	before := len(o.srv.MessagesTo(c.id))
	o.deliver(o.any(), telegramtest.DocumentUpdate(c.id, c.user, "contract-"+id, "合同.pdf", "劳动合同"))
	o.srv.WaitMessages(t, c.id, before+1, wait)
	a := o.person(o.lawyerA, "zh")
	copies := len(o.srv.Calls("copyMessage"))
	must(t, a.says("/take "+id, 4), "补充一下，公司叫某某建筑", "📎 劳动合同") // the copied document, the card, "you took it", the waiting messages
	if calls := o.srv.Calls("copyMessage"); len(calls) != copies+1 || calls[len(calls)-1].ChatID != a.id {
		t.Errorf("the waiting document was not copied to the lawyer: %v", calls)
	}
}

// /forget during a case ends it, tells the lawyer and deletes the case.
func TestForgetDuringCase(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	c := o.person(redistest.ID(), "zh")
	id := c.intake(t)
	a := o.assign(t, c, id)
	confirm := c.says("/forget", 1)
	before := len(o.srv.MessagesTo(a.id))
	must(t, c.presses(confirm[0], "forget:yes", 1), "已删除")
	must(t, o.srv.WaitMessages(t, a.id, before+1, wait)[before:], "当事人结束了案件 "+id)
	if cs, _ := o.cases().Get(context.Background(), id); cs != nil {
		t.Errorf("case kept after /forget: %+v", cs)
	}
	if n, _ := o.rdb.Client.Exists(context.Background(), "legalbot:v1:{"+o.name+"}:transcript:"+id).Result(); n != 0 {
		t.Error("transcript kept after /forget")
	}
}

// A roster applied while the bot runs (legalbot roster apply writes it to
// Redis) is put in force by every replica without a restart; an invalid one
// is refused and the roster in force stays.
func TestRosterAppliedWithoutRestart(t *testing.T) {
	o := newOffice(t, 2, time.Now(), nil)
	ctx := context.Background()
	newcomer := o.person(redistest.ID(), "zh")
	queue := func(r *replica) string {
		t.Helper()
		before := len(o.srv.MessagesTo(newcomer.id))
		o.deliver(r, telegramtest.TextUpdate(newcomer.id, newcomer.user, "/queue"))
		return texts(o.srv.WaitMessages(t, newcomer.id, before+1, wait)[before:])
	}
	for _, r := range o.replicas {
		if got := queue(r); !strings.Contains(got, "不对您开放") {
			t.Fatalf("a stranger saw the queue: %s", got)
		}
	}
	h := o.roster
	h.Lawyers = append(append([]config.LawyerConfig(nil), h.Lawyers...), config.LawyerConfig{TelegramID: newcomer.id, Name: "赵律师",
		Languages: []string{"zh"}, Shifts: []config.ShiftConfig{{Days: allWeek, From: "00:00", To: "24:00"}}})
	doc, err := handoff.Doc(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.cases().SaveRoster(ctx, doc); err != nil {
		t.Fatal(err)
	}
	for i, r := range o.replicas {
		if changed, err := r.handoff.ReloadRoster(ctx); !changed || err != nil {
			t.Fatalf("replica %d: reload changed=%v err=%v", i, changed, err)
		}
		if changed, _ := r.handoff.ReloadRoster(ctx); changed {
			t.Errorf("replica %d: the same roster reloaded twice", i)
		}
		if got := queue(r); !strings.Contains(got, "目前没有排队的案件") {
			t.Errorf("replica %d: the new lawyer's /queue: %s", i, got)
		}
	}
	bad := h
	bad.Timezone = "Mars/Olympus_Mons"
	if doc, err = handoff.Doc(bad); err != nil {
		t.Fatal(err)
	}
	o.cases().SaveRoster(ctx, doc)
	for i, r := range o.replicas {
		if changed, err := r.handoff.ReloadRoster(ctx); changed || err == nil {
			t.Errorf("replica %d: invalid roster: changed=%v err=%v", i, changed, err)
		}
		if got := queue(r); !strings.Contains(got, "目前没有排队的案件") {
			t.Errorf("replica %d: the roster in force was lost: %s", i, got)
		}
	}
}

// WatchRoster finds a newly applied roster by itself.
func TestWatchRosterPicksUpAppliedRoster(t *testing.T) {
	o := newOffice(t, 1, time.Now(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.replicas[0].engine.WatchRoster(ctx, 10*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	h := o.roster
	newID := redistest.ID()
	h.Supervisors = append([]int64{newID}, h.Supervisors...)
	doc, _ := handoff.Doc(h)
	o.cases().SaveRoster(ctx, doc)
	deadline := time.Now().Add(wait)
	for !o.replicas[0].handoff.CurrentRoster().IsSupervisor(newID) {
		if time.Now().After(deadline) {
			t.Fatal("the applied roster was not put in force")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
