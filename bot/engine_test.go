package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/internal/redistest"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/store"
)

// testPolicy is the policy the bot ships with; toyPolicy is the same
// without its certainty floor, for the few-entry knowledge bases of the
// engine's tests, where the certainty model (fitted on full knowledge
// bases) reads little (the floor is the knowledge package's to test).
var (
	testPolicy = bot.PolicyOf(config.Default().Policy)
	toyPolicy  = func() knowledge.Policy { p := testPolicy; p.DeclineBelow = 0; return p }()
)

type harness struct {
	engine   *bot.Engine
	sessions *store.Sessions
	redis    *redistest.Redis
	now      time.Time
}

func texts(t testing.TB) *bot.Catalog {
	t.Helper()
	c, err := bot.DefaultCatalog(map[string]string{"hotline": "12348", "service": "测试法律服务中心", "retention": "30"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newHarness runs the engine on kb (nil: the built-in knowledge base) and
// a test Redis.
func newHarness(t testing.TB, kb *knowledge.KB) *harness {
	t.Helper()
	lex := knowledge.NewLexicon(nil)
	policy := toyPolicy
	if kb == nil {
		policy = testPolicy
		var err error
		kb, _, err = knowledge.Builtin(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if lex, err = knowledge.LoadLexicon(knowledge.BuiltinFS()); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{redis: redistest.New(t), now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	h.sessions = store.NewSessions(h.redis.Client, 30*24*time.Hour, func() time.Time { return h.now })
	h.engine = bot.New(bot.Config{
		KB:       kb,
		Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)),
		Policy:   policy,
		Sessions: h.sessions,
		Texts:    texts(t),
		Now:      func() time.Time { return h.now },
	})
	return h
}

// citizen is one simulated citizen talking to the engine.
type citizen struct {
	t    testing.TB
	h    *harness
	id   string
	lang string
}

func (h *harness) citizen(t testing.TB, lang string) *citizen {
	return &citizen{t: t, h: h, id: fmt.Sprintf("test:%d", redistest.ID()), lang: lang}
}

func (c *citizen) say(text string) bot.Response {
	c.t.Helper()
	resp, err := c.h.engine.Handle(context.Background(), bot.Incoming{Citizen: c.id, Text: text, LanguageCode: c.lang})
	if err != nil {
		c.t.Fatalf("Handle(%q): %v", text, err)
	}
	if len(resp.Replies) == 0 && resp.Notice == "" {
		c.t.Fatalf("Handle(%q): empty response", text)
	}
	return resp
}

func (c *citizen) press(data string) bot.Response {
	c.t.Helper()
	resp, err := c.h.engine.Handle(context.Background(), bot.Incoming{Citizen: c.id, Callback: data, LanguageCode: c.lang})
	if err != nil {
		c.t.Fatalf("press %q: %v", data, err)
	}
	return resp
}

func allText(r bot.Response) string {
	var b strings.Builder
	for _, rep := range r.Replies {
		b.WriteString(rep.Title + "\n" + rep.Text + "\n")
	}
	return b.String()
}

func buttons(r bot.Response) []bot.Button {
	var out []bot.Button
	for _, rep := range r.Replies {
		for _, row := range rep.Buttons {
			out = append(out, row...)
		}
	}
	return out
}

func hasButton(r bot.Response, data string) bool {
	for _, b := range buttons(r) {
		if b.Data == data {
			return true
		}
	}
	return false
}

func mustContain(t testing.TB, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply does not contain %q:\n%s", w, got)
		}
	}
}

func TestStart(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ lang, welcome, disclaimer, privacy string }{
		{"zh", "法律咨询机器人", "法律信息，不是针对您个案的法律意见", "/forget"},
		{"en", "legal information bot", "legal information, not legal advice", "/forget"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			c := h.citizen(t, tc.lang)
			resp := c.say("/start from_poster_42")
			mustContain(t, allText(resp), tc.welcome, tc.disclaimer, tc.privacy, "12348")
			sess, err := h.sessions.Load(context.Background(), c.id)
			if err != nil {
				t.Fatal(err)
			}
			if sess.Source != "from_poster_42" {
				t.Errorf("source = %q, want the /start payload", sess.Source)
			}
			// The disclaimer is said once: not again with the first answer.
			if got := allText(c.say("老板拖欠工资三个月不给怎么办")); strings.Contains(got, tc.disclaimer) {
				t.Errorf("disclaimer repeated after /start:\n%s", got)
			}
		})
	}
}

func TestDisclaimerOnceWithoutStart(t *testing.T) {
	h := newHarness(t, nil)
	c := h.citizen(t, "zh")
	first := allText(c.say("老板拖欠工资三个月不给怎么办"))
	mustContain(t, first, "不是针对您个案的法律意见")
	if second := allText(c.say("房东不退押金怎么办")); strings.Contains(second, "不是针对您个案的法律意见") {
		t.Errorf("disclaimer said twice")
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t, nil)
	mustContain(t, allText(h.citizen(t, "zh").say("/help")), "/topics", "/lang", "/forget", "110", "12348")
	mustContain(t, allText(h.citizen(t, "en").say("/help")), "/topics", "browse", "/forget", "110", "12348")
	mustContain(t, allText(h.citizen(t, "en").say("/nonsense")), "/help")
}

func TestAnswerWithCitationsInBothLanguages(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		lang, query, entry string
		wants              []string
	}{
		{"zh", "老板拖欠工资三个月不给怎么办", "labor-wages-unpaid", []string{"法律依据", "《劳动合同法》第三十条"}},
		{"en", "My boss has not paid my wages for three months", "labor-wages-unpaid", []string{"Legal basis", "《劳动合同法》第三十条"}},
		{"en", "my landlord won't return my deposit", "tenancy-deposit-not-returned", []string{"Legal basis", "《民法典》", "(in force since 1 January 2021)"}},
		{"zh", "房东不退押金怎么办", "tenancy-deposit-not-returned", []string{"法律依据", "《民法典》", "（2021年1月1日起施行）"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			c := h.citizen(t, tc.lang)
			resp := c.say(tc.query)
			mustContain(t, allText(resp), tc.wants...)
			if !hasButton(resp, "fb:"+tc.entry+":up") || !hasButton(resp, "fb:"+tc.entry+":down") {
				t.Errorf("answer lacks feedback buttons for %s: %+v", tc.entry, buttons(resp))
			}
		})
	}
}

func TestFeedbackIsStored(t *testing.T) {
	h := newHarness(t, nil)
	c := h.citizen(t, "zh")
	c.say("老板拖欠工资三个月不给怎么办")
	up0, down0, _ := h.sessions.FeedbackTotals(context.Background(), "labor-wages-unpaid")
	resp := c.press("fb:labor-wages-unpaid:down")
	if !resp.ClearButtons || resp.Notice == "" {
		t.Errorf("feedback press: want a notice and the buttons cleared, got %+v", resp)
	}
	up, down, err := h.sessions.FeedbackTotals(context.Background(), "labor-wages-unpaid")
	if err != nil || up != up0 || down != down0+1 {
		t.Errorf("totals = %d up %d down (%v), want %d up %d down", up, down, err, up0, down0+1)
	}
	// Changing one's mind moves the vote, it does not add one.
	c.press("fb:labor-wages-unpaid:up")
	up, down, _ = h.sessions.FeedbackTotals(context.Background(), "labor-wages-unpaid")
	if up != up0+1 || down != down0 {
		t.Errorf("after changing the vote: %d up %d down, want %d up %d down", up, down, up0+1, down0)
	}
	if got := c.press("fb:no-such-entry:up"); got.Notice == "" || len(got.Replies) != 0 {
		t.Errorf("forged feedback: %+v", got)
	}
}

func TestTopicsBrowse(t *testing.T) {
	h := newHarness(t, nil)
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			c := h.citizen(t, lang)
			resp := c.say("/topics")
			if !hasButton(resp, "t:labor") || !hasButton(resp, "t:tenancy") {
				t.Fatalf("/topics buttons: %+v", buttons(resp))
			}
			list := c.press("t:labor")
			var entry string
			for _, b := range buttons(list) {
				if strings.HasPrefix(b.Data, "e:") {
					entry = strings.TrimPrefix(b.Data, "e:")
					break
				}
			}
			if entry == "" {
				t.Fatalf("topic list has no questions: %+v", buttons(list))
			}
			if !hasButton(list, "t:labor:1") {
				t.Errorf("labor has more than one page of questions; want a next-page button: %+v", buttons(list))
			}
			shown := c.press("e:" + entry)
			mustContain(t, allText(shown), "《")
			if !hasButton(shown, "fb:"+entry+":up") {
				t.Errorf("entry shown without feedback buttons")
			}
			if got := c.press("t:no-such-topic"); got.Notice == "" {
				t.Errorf("unknown topic: want a notice")
			}
		})
	}
}

func TestLang(t *testing.T) {
	h := newHarness(t, nil)
	c := h.citizen(t, "zh")
	resp := c.say("/lang")
	if !hasButton(resp, "lang:zh") || !hasButton(resp, "lang:en") {
		t.Fatalf("/lang buttons: %+v", buttons(resp))
	}
	mustContain(t, allText(c.say("/lang en")), "English")
	// Chosen explicitly, English holds even for a question written in Chinese.
	mustContain(t, allText(c.say("老板拖欠工资三个月不给怎么办")), "Legal basis")
	mustContain(t, allText(c.press("lang:zh")), "中文")
	mustContain(t, allText(c.say("/help")), "直接输入您的问题")
	mustContain(t, allText(c.say("/lang fr")), "zh")
}

// Without an explicit choice, the default comes from Telegram's
// language_code, and a message written in the other language is answered in it.
func TestLanguageDefaults(t *testing.T) {
	h := newHarness(t, nil)
	mustContain(t, allText(h.citizen(t, "en-GB").say("/help")), "Just type your question")
	mustContain(t, allText(h.citizen(t, "zh-hans").say("/help")), "直接输入您的问题")
	mustContain(t, allText(h.citizen(t, "de").say("/help")), "直接输入您的问题") // default zh
	mustContain(t, allText(h.citizen(t, "zh").say("my landlord won't return my deposit")), "Legal basis")
}

func TestForget(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			c := h.citizen(t, lang)
			c.say("/start")
			c.say("老板拖欠工资三个月不给怎么办")
			c.press("fb:labor-wages-unpaid:up")
			confirm := c.say("/forget")
			if !hasButton(confirm, "forget:yes") || !hasButton(confirm, "forget:no") {
				t.Fatalf("/forget must ask for confirmation: %+v", buttons(confirm))
			}
			if n, _ := h.redis.Client.Exists(ctx, "legalbot:v1:session:{"+c.id+"}").Result(); n != 1 {
				t.Fatalf("session not stored before /forget")
			}
			c.press("forget:no")
			if n, _ := h.redis.Client.Exists(ctx, "legalbot:v1:session:{"+c.id+"}").Result(); n != 1 {
				t.Fatalf("cancel deleted the session")
			}
			done := c.press("forget:yes")
			if !done.ClearButtons || len(done.Replies) == 0 {
				t.Errorf("forget:yes: %+v", done)
			}
			n, err := h.redis.Client.Exists(ctx, "legalbot:v1:session:{"+c.id+"}", "legalbot:v1:feedback:{"+c.id+"}").Result()
			if err != nil || n != 0 {
				t.Errorf("%d personal keys left after /forget (%v)", n, err)
			}
		})
	}
}

// Every personal record carries the retention TTL.
func TestPersonalRecordsHaveTTL(t *testing.T) {
	h := newHarness(t, nil)
	c := h.citizen(t, "zh")
	c.say("老板拖欠工资三个月不给怎么办")
	c.press("fb:labor-wages-unpaid:up")
	for _, k := range []string{"legalbot:v1:session:{" + c.id + "}", "legalbot:v1:feedback:{" + c.id + "}"} {
		ttl, err := h.redis.Client.TTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > 30*24*time.Hour {
			t.Errorf("%s: TTL %v (%v), want (0, 30d]", k, ttl, err)
		}
	}
}

func TestDecline(t *testing.T) {
	h := newHarness(t, nil)
	mustContain(t, allText(h.citizen(t, "zh").say("帮我写一首关于春天的诗")), "没有能可靠回答", "/topics", "12348")
	mustContain(t, allText(h.citizen(t, "en").say("how do I bake a chocolate cake")), "nothing that reliably answers", "/topics", "12348")
}

func TestNonText(t *testing.T) {
	h := newHarness(t, nil)
	mustContain(t, allText(h.citizen(t, "zh").say("")), "文字")
}

// testKB builds a small knowledge base whose outcomes are known exactly.
func testKB() *knowledge.KB {
	entry := func(id, cat, zhQ, zhA, enQ, enA string) *knowledge.Entry {
		e := &knowledge.Entry{ID: id, Category: cat, Status: knowledge.Published, Text: map[string]knowledge.Text{},
			Citations: []knowledge.Citation{{Law: "劳动合同法", Article: 30}}}
		if zhQ != "" {
			e.Text["zh"] = knowledge.Text{Questions: []string{zhQ}, Answer: zhA}
		}
		if enQ != "" {
			e.Text["en"] = knowledge.Text{Questions: []string{enQ}, Answer: enA}
		}
		return e
	}
	return knowledge.NewKB(
		[]knowledge.Category{{ID: "labor", Names: map[string]string{"zh": "劳动", "en": "Work"}}, {ID: "tenancy", Names: map[string]string{"zh": "租房", "en": "Renting"}}},
		[]*knowledge.Entry{
			entry("wages-unpaid", "labor", "单位拖欠工资怎么办", "可以投诉。", "My employer has not paid my wages", "You can complain."),
			entry("wages-no-contract", "labor", "没有书面劳动合同能讨工资吗", "能。", "Can I claim my wages if I have no written contract?", "Yes."),
			entry("rent-no-contract", "tenancy", "没有书面租房合同有效吗", "有效。", "Is my lease valid if I have no written contract?", "Yes, valid."),
			entry("zh-only", "labor", "试用期可以不交社保吗", "不可以，试用期也要缴纳社会保险。", "", ""),
		})
}

func TestSuggestWhenAmbiguous(t *testing.T) {
	h := newHarness(t, testKB())
	for _, tc := range []struct{ lang, query, intro string }{
		{"en", "no written contract", "Did you mean"},
		{"zh", "没有书面合同", "您是想问"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			resp := h.citizen(t, tc.lang).say(tc.query)
			mustContain(t, allText(resp), tc.intro)
			if !hasButton(resp, "e:wages-no-contract") || !hasButton(resp, "e:rent-no-contract") {
				t.Errorf("suggestions: %+v", buttons(resp))
			}
			if n := len(buttons(resp)); n > 3 {
				t.Errorf("%d suggestions, want at most 3", n)
			}
		})
	}
}

// A follow-up is searched with the conversation so far.
func TestFollowUpUsesContext(t *testing.T) {
	h := newHarness(t, testKB())
	c := h.citizen(t, "en")
	if got := allText(c.say("My employer has not paid my wages")); !strings.Contains(got, "You can complain.") {
		t.Fatalf("first question not answered: %s", got)
	}
	h.now = h.now.Add(2 * time.Minute)
	resp := c.say("what if I have no written contract?")
	if got := firstEntry(resp); got != "wages-no-contract" {
		t.Errorf("follow-up: first entry %q, want wages-no-contract: %s %+v", got, allText(resp), buttons(resp))
	}
	if hasButton(resp, "e:wages-unpaid") {
		t.Errorf("follow-up offered an entry that matches only the context")
	}
	// The same words from a new citizen, without context, stay ambiguous.
	if resp := h.citizen(t, "en").say("what if I have no written contract?"); !hasButton(resp, "e:rent-no-contract") || !hasButton(resp, "e:wages-no-contract") {
		t.Errorf("without context the question must be ambiguous: %+v", buttons(resp))
	}
	// Context expires.
	c2 := h.citizen(t, "en")
	c2.say("My employer has not paid my wages")
	h.now = h.now.Add(2 * time.Hour)
	if resp := c2.say("what if I have no written contract?"); !hasButton(resp, "e:rent-no-contract") {
		t.Errorf("context older than the follow-up window was used")
	}
}

func TestFallbackLanguageIsMarked(t *testing.T) {
	h := newHarness(t, testKB())
	resp := h.citizen(t, "en").press("e:zh-only")
	mustContain(t, allText(resp), "no English version yet", "试用期也要缴纳社会保险")
}

// failingSessions is a session store that is down.
type failingSessions struct{}

var errDown = errors.New("redis: connection refused")

func (failingSessions) Load(context.Context, string) (*store.Session, error) { return nil, errDown }
func (failingSessions) Save(context.Context, *store.Session) error           { return errDown }
func (failingSessions) Forget(context.Context, string) error                 { return errDown }
func (failingSessions) RecordFeedback(context.Context, string, string, store.Vote) (bool, error) {
	return false, errDown
}

// A Redis outage degrades the bot (no memory), it does not silence it.
func TestRedisOutageStillAnswers(t *testing.T) {
	kb := testKB()
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil)), Policy: testPolicy,
		Sessions: failingSessions{}, Texts: texts(t),
	})
	resp, err := e.Handle(context.Background(), bot.Incoming{Citizen: "x", Text: "My employer has not paid my wages"})
	if err == nil {
		t.Error("want the outage reported to the caller")
	}
	mustContain(t, allText(resp), "You can complain.")
	resp, _ = e.Handle(context.Background(), bot.Incoming{Citizen: "x", Callback: "forget:yes"})
	mustContain(t, allText(resp), "出了点问题")
}

// firstEntry is the entry a response leads with: the answer, or the first suggestion.
func firstEntry(r bot.Response) string {
	for _, b := range buttons(r) {
		if id, ok := strings.CutPrefix(b.Data, "e:"); ok {
			return id
		}
		if rest, ok := strings.CutPrefix(b.Data, "fb:"); ok {
			id, _, _ := strings.Cut(rest, ":")
			return id
		}
	}
	return ""
}

type fakeStatutes map[string]string

func (f fakeStatutes) Article(law string, n int) (string, bool) {
	t, ok := f[fmt.Sprintf("%s/%d", law, n)]
	return t, ok
}

// With statutes loaded, an answer's citation has a button showing the
// article, and /law shows one.
func TestStatuteArticles(t *testing.T) {
	kb := testKB()
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil)), Policy: testPolicy,
		Sessions: store.NewSessions(redistest.New(t).Client, time.Hour, time.Now), Texts: texts(t),
		Statutes: fakeStatutes{"劳动合同法/30": "第三十条 用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。"},
	})
	say := func(in bot.Incoming) bot.Response {
		in.Citizen = "test:law"
		r, err := e.Handle(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	answer := say(bot.Incoming{Text: "My employer has not paid my wages"})
	if !hasButton(answer, "law:wages-unpaid:0") {
		t.Fatalf("no citation button: %+v", buttons(answer))
	}
	mustContain(t, allText(say(bot.Incoming{Callback: "law:wages-unpaid:0"})), "《劳动合同法》第三十条", "及时足额支付劳动报酬")
	mustContain(t, allText(say(bot.Incoming{Text: "/law 劳动合同法 第三十条"})), "及时足额支付劳动报酬")
	mustContain(t, allText(say(bot.Incoming{Text: "/law 劳动合同法 31"})), "No such article")
	mustContain(t, allText(say(bot.Incoming{Text: "/law"})), "Usage")
	if r := say(bot.Incoming{Callback: "law:wages-unpaid:7"}); r.Notice == "" {
		t.Error("out-of-range citation button: want a notice")
	}
}

// Without lawyers configured, an urgent message still gets the emergency
// numbers first, then the FAQ's answer.
func TestUrgentWithoutHandoffGetsEmergencyNumbers(t *testing.T) {
	kb, _, _ := knowledge.Builtin(time.Now())
	lex, _ := knowledge.LoadLexicon(knowledge.BuiltinFS())
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)), Policy: testPolicy,
		Sessions: store.NewSessions(redistest.New(t).Client, time.Hour, time.Now), Texts: texts(t),
		Signals: bot.DefaultDetector(), Emergency: config.Default().Handoff.Emergency,
	})
	resp, err := e.Handle(context.Background(), bot.Incoming{Citizen: "test:urgent", Text: "我老公打我，我该怎么办"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Replies) < 2 || !strings.Contains(resp.Replies[0].Text, "110") || !strings.Contains(resp.Replies[0].Text, "12338") {
		t.Fatalf("emergency numbers not first: %s", allText(resp))
	}
	if strings.Contains(allText(resp), "ho:start") || hasButton(resp, "ho:start:urgent") {
		t.Error("a lawyer offered without a handoff configured")
	}
	resp, _ = e.Handle(context.Background(), bot.Incoming{Citizen: "test:urgent2", Text: "老板拖欠工资三个月不给怎么办"})
	if strings.Contains(allText(resp), "110") {
		t.Error("emergency numbers for a calm question")
	}
}

// Each kind of urgency gets the numbers meant for it: a crisis line for
// self-harm, the women's rights hotline for violence, the police for any.
func TestEmergencyNumbersFitTheUrgency(t *testing.T) {
	kb, _, _ := knowledge.Builtin(time.Now())
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil)), Policy: testPolicy,
		Sessions: store.NewSessions(redistest.New(t).Client, time.Hour, time.Now), Texts: texts(t),
		Signals: bot.DefaultDetector(), Emergency: config.Default().Handoff.Emergency,
	})
	for _, tc := range []struct {
		text      string
		want, not []string
	}{
		{"我不想活了", []string{"12356", "110", "120"}, []string{"12338"}},
		{"I want to kill myself", []string{"12356", "Psychological assistance hotline"}, []string{"12338"}},
		{"我老公打我，我该怎么办", []string{"110", "120", "12338"}, []string{"12356"}},
		{"我儿子被刑事拘留了", []string{"110"}, []string{"12356", "12338", "120"}},
		// A hearing tomorrow needs a lawyer, not an emergency number.
		{"明天就要开庭了，我该准备什么", nil, []string{"⚠️", "110", "12356"}},
	} {
		resp, err := e.Handle(context.Background(), bot.Incoming{Citizen: "test:" + tc.text, Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Replies) == 0 {
			t.Fatalf("%q: no reply", tc.text)
		}
		first := resp.Replies[0].Text
		for _, w := range tc.want {
			if !strings.Contains(first, w) {
				t.Errorf("%q: first reply lacks %s:\n%s", tc.text, w, first)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(first, n) {
				t.Errorf("%q: first reply shows %s, not meant for it:\n%s", tc.text, n, first)
			}
		}
	}
	// Self-harm that the FAQ cannot answer: after the numbers, a word of
	// care, not "ask again in other words".
	for _, msg := range []string{"我不想活了", "I want to kill myself"} {
		resp, _ := e.Handle(context.Background(), bot.Incoming{Citizen: "test:care:" + msg, Text: msg})
		all := allText(resp)
		if !strings.Contains(all, "您不是一个人") && !strings.Contains(all, "You are not alone") {
			t.Errorf("%q: no word of care:\n%s", msg, all)
		}
		if strings.Contains(all, "换个说法") || strings.Contains(all, "other words") {
			t.Errorf("%q: told to rephrase:\n%s", msg, all)
		}
	}
}

// Greetings, thanks and questions about the bot are answered in kind, not
// searched, and leave no turn behind; a greeting with a question in it is
// a question.
func TestSmallTalk(t *testing.T) {
	kb, _, _ := knowledge.Builtin(time.Now())
	lex, _ := knowledge.LoadLexicon(knowledge.BuiltinFS())
	sessions := store.NewSessions(redistest.New(t).Client, time.Hour, time.Now)
	e := bot.New(bot.Config{
		KB: kb, Searcher: knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex)), Policy: testPolicy,
		Sessions: sessions, Texts: texts(t), Signals: bot.DefaultDetector(),
	})
	citizen := fmt.Sprintf("test:%d", redistest.ID())
	say := func(text, lang string) bot.Response {
		t.Helper()
		resp, err := e.Handle(context.Background(), bot.Incoming{Citizen: citizen, Text: text, LanguageCode: lang})
		if err != nil || len(resp.Replies) != 1 {
			t.Fatalf("Handle(%q): %d replies, %v", text, len(resp.Replies), err)
		}
		return resp
	}
	greeting := say("你好！", "zh")
	mustContain(t, allText(greeting), "请直接用自己的话", "不是针对您个案的法律意见")
	if len(buttons(greeting)) > 0 {
		t.Errorf("a greeting got buttons: %+v", buttons(greeting))
	}
	if got := firstEntry(say("你好，老板拖欠工资三个月不给怎么办", "zh")); got != "labor-wages-unpaid" {
		t.Errorf("greeting with a question: entry %q, want labor-wages-unpaid", got)
	}
	thanks := allText(say("谢谢老师", "zh"))
	mustContain(t, thanks, "不客气", "12348")
	if strings.Contains(thanks, "法律意见") {
		t.Error("the disclaimer was said twice")
	}
	mustContain(t, allText(say("你是机器人吗？", "zh")), "不是律师")
	mustContain(t, allText(say("再见", "zh")), "再见")
	mustContain(t, allText(say("hello there", "en")), "Tell me in your own words")
	mustContain(t, allText(say("are you a bot?", "en")), "not a lawyer")
	if s := allText(say("are you a bot?", "en")); strings.Contains(s, "/lawyer") {
		t.Errorf("/lawyer offered without a handoff: %s", s)
	}
	sess, err := sessions.Load(context.Background(), citizen)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Turns) != 1 {
		t.Errorf("%d turns remembered, want only the question: %+v", len(sess.Turns), sess.Turns)
	}
}
