package bot

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/legalbot/legalbot/config"
)

// signalCase is one message and what Detect must say about it. matched,
// when set, must equal Signals.Matched exactly.
type signalCase struct {
	text    string
	human   bool
	urgency Urgency
	matched []string
}

func runSignalCases(t *testing.T, d *Detector, cases []signalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			got := d.Detect(tc.text)
			type verdict struct {
				WantsHuman bool
				Urgency    string
			}
			want := verdict{tc.human, tc.urgency.String()}
			if diff := cmp.Diff(want, verdict{got.WantsHuman, got.Urgency.String()}); diff != "" {
				t.Errorf("Detect(%q) (-want +got):\n%s(matched %q)", tc.text, diff, got.Matched)
			}
			if tc.matched != nil {
				if diff := cmp.Diff(tc.matched, got.Matched); diff != "" {
					t.Errorf("Detect(%q).Matched (-want +got):\n%s", tc.text, diff)
				}
			}
		})
	}
}

func TestSignalHuman(t *testing.T) {
	runSignalCases(t, DefaultDetector(), []signalCase{
		// Requests, Chinese.
		{text: "转人工", human: true, matched: []string{"转人工"}},
		{text: "人工", human: true, matched: []string{"人工"}},
		{text: "律师", human: true, matched: []string{"律师"}},
		{text: "律师！！", human: true},
		{text: "请给我律师", human: true},
		{text: "我想咨询一下律师，关于房租的问题", human: true},
		{text: "人工？", human: true},
		{text: "请 转 人工", human: true},
		{text: "我 要 找 律师", human: true},
		{text: "我要咨询律师", human: true},
		{text: "找律师", human: true},
		{text: "帮我找个律师", human: true},
		{text: "真人", human: true},
		{text: "有真人吗", human: true},
		{text: "我要跟真人聊", human: true},
		{text: "值班律师", human: true},
		{text: "能不能让律师联系我", human: true},
		{text: "我想跟律师聊聊我的情况", human: true},
		{text: "请帮我转接人工客服", human: true},
		{text: "有没有律师可以帮我", human: true},
		{text: "不知道怎么办了，想找律师", human: true},
		{text: "怎么找律师", human: true},                                  // how to reach a lawyer: the handoff is the answer
		{text: "我要找律师，律师费多少钱", human: true, matched: []string{"找律师"}}, // the cost question is in another clause
		{text: "我不要机器人，我要真人", human: true},
		{text: "我不要机器人我要真人", human: true}, // the negation is too far from 要真人
		// Requests, English.
		{text: "talk to a lawyer", human: true, matched: []string{"talk to a lawyer"}},
		{text: "Human", human: true},
		{text: "human please", human: true},
		{text: "real person please", human: true},
		{text: "Can I speak to someone?", human: true},
		{text: "agent", human: true},
		{text: "I want to speak with an attorney", human: true},
		{text: "I NEED A LAWYER", human: true},
		{text: "connect me to a human", human: true},
		{text: "lawyer please!", human: true},
		{text: "Is there a real person here", human: true},
		{text: "I don't know what to do, I need a lawyer", human: true},
		{text: "live agent", human: true},
		{text: "Can I talk to one of your lawyers about my divorce", human: true},
		{text: "Ｉ ｗａｎｔ ａ ｌａｗｙｅｒ", human: true}, // full-width
		// Mixed languages.
		{text: "I want 律师", human: true},
		{text: "talk to a lawyer 谢谢", human: true},
		{text: "请帮我找律师 please", human: true},

		// Not requests: questions the FAQ answers.
		{text: "律师费多少钱"},
		{text: "律师费怎么收"},
		{text: "how much does a lawyer cost"},
		{text: "How much does it cost to talk to a lawyer?"},
		{text: "找律师要多少钱"},
		{text: "请律师贵吗"},
		{text: "离婚需要律师吗"},
		{text: "打官司一定要请律师吗"},
		{text: "要不要请律师"},
		{text: "Do I need a lawyer for small claims?"},
		{text: "Should I hire a lawyer?"},
		{text: "律师咨询费怎么算"},
		{text: "值班律师是什么"},
		{text: "律师函是什么意思"},
		{text: "律师你好"}, // a greeting to the bot
		{text: "谢谢律师"},
		{text: "请问律师，离婚后房子怎么分"},
		{text: "hello lawyer"},
		{text: "对方律师给我发了律师函"},
		{text: "我的律师说要等两个月"},
		{text: "My lawyer said I should wait"},
		// Not requests: negated.
		{text: "我不需要律师"},
		{text: "不用转人工"},
		{text: "不用帮我转人工，我自己看"},
		{text: "我已经找律师了"},
		{text: "I don't need a lawyer"},
		{text: "I do not want to talk to a lawyer"},
		{text: "no need to talk to a human, just tell me"},
		// Not requests: the words mean something else.
		{text: "人工智能会取代律师吗"},
		{text: "人工费怎么算"},
		{text: "human rights violation at work"},
		{text: "I was a victim of human trafficking"},
		{text: "the estate agent refused to return my deposit"},
		{text: "my agent keeps calling me"},
		{text: "what does a paralegal do"},
		{text: ""},
		{text: "？？？"},
		{text: "😭😭"},
	})
}

func TestSignalViolence(t *testing.T) {
	runSignalCases(t, DefaultDetector(), []signalCase{
		{text: "家暴", urgency: UrgencyViolence, matched: []string{"家暴"}},
		{text: "他打我", urgency: UrgencyViolence, matched: []string{"打我"}},
		{text: "我老公打我怎么办", urgency: UrgencyViolence},
		{text: "昨天又被打了", urgency: UrgencyViolence},
		{text: "被老公打了", urgency: UrgencyViolence},
		{text: "他天天打孩子", urgency: UrgencyViolence},
		{text: "他威胁我", urgency: UrgencyViolence},
		{text: "他说要杀我", urgency: UrgencyViolence},
		{text: "昨天他掐我脖子", urgency: UrgencyViolence},
		{text: "他拿刀吓我", urgency: UrgencyViolence},
		{text: "他把我关起来不让我出门", urgency: UrgencyViolence},
		{text: "我想申请人身安全保护令", urgency: UrgencyViolence},
		// Past violence is still flagged: better a person looks at it.
		{text: "以前被打过现在已经离婚了", urgency: UrgencyViolence},
		{text: "他没打我，只是骂我", urgency: UrgencyViolence},
		{text: "My husband hits me", urgency: UrgencyViolence, matched: []string{"hits me"}},
		{text: "he beat me last night", urgency: UrgencyViolence},
		{text: "He threatened to kill me", urgency: UrgencyViolence},
		{text: "domestic violence", urgency: UrgencyViolence},
		{text: "I was punched by my boss", urgency: UrgencyViolence},
		{text: "my ex is stalking me", urgency: UrgencyViolence},
		{text: "he has a knife", urgency: UrgencyViolence},
		{text: "He’s hitting my kids", urgency: UrgencyViolence}, // curly apostrophe
		{text: "他打我 and threatened to kill me", urgency: UrgencyViolence},
		{text: "我老公打我，我想找律师", human: true, urgency: UrgencyViolence, matched: []string{"打我", "找律师"}},

		// 打 alone is not violence.
		{text: "打工三年没签合同"},
		{text: "我想打官司"},
		{text: "打车被绕路了"},
		{text: "打折商品不能退吗"},
		{text: "有事请打我电话"},
		{text: "工资什么时候打我卡上"},
		{text: "我想打人工电话", human: true},
		{text: "一直被打扰怎么办"},
		{text: "老板威胁要起诉我"}, // a threat of a lawsuit, not of violence
		{text: "医生说要动手术"},
		{text: "this is about my lease"}, // "hits" must not match "this"
		{text: "I was hit by a car"},
		{text: "someone hit my car in the parking lot"},
		{text: "I hurt my back at work"},
		{text: "they pushed me to resign"},
		{text: "my landlord kicked me out"},
		{text: "my father had a heart attack"},
		{text: "peaceful, non-violent protest"},
		{text: "他把我拉黑了，动手删了聊天记录"},
		{text: "my kids beat me at chess"},
		{text: "催收天天打我爸妈电话"},
		{text: "a car hit my mother and drove off"},
		{text: "I got hurt at work"},
	})
}

func TestSignalDetention(t *testing.T) {
	runSignalCases(t, DefaultDetector(), []signalCase{
		{text: "我儿子被抓了", urgency: UrgencyDetention, matched: []string{"被抓"}},
		{text: "被拘留了怎么办", urgency: UrgencyDetention},
		{text: "他被警察带走了", urgency: UrgencyDetention},
		{text: "老公被刑事拘留了", urgency: UrgencyDetention},
		{text: "刑拘", urgency: UrgencyDetention},
		{text: "我弟弟被逮捕了", urgency: UrgencyDetention},
		{text: "家属怎么申请取保候审", urgency: UrgencyDetention},
		{text: "人在看守所", urgency: UrgencyDetention},
		{text: "my son was arrested", urgency: UrgencyDetention, matched: []string{"arrested"}},
		{text: "He's been detained", urgency: UrgencyDetention},
		{text: "my husband is in custody", urgency: UrgencyDetention},
		{text: "police took my son", urgency: UrgencyDetention},
		{text: "my brother is in jail", urgency: UrgencyDetention},
		{text: "我儿子 was arrested yesterday", urgency: UrgencyDetention},

		{text: "child custody after divorce"},
		{text: "who gets custody of my daughter"},
		{text: "闯红灯被抓拍了"},
		{text: "怎么领取保险金"},
		{text: "he died of cardiac arrest"},
		{text: "我想报警"},
		{text: "上班玩手机被抓到一次罚100"},
		{text: "我打了人会被拘留吗"}, // hypothetical, nobody is held
		{text: "can he be jailed for not paying?"},
		{text: "我儿子被抓到派出所了", urgency: UrgencyDetention},
	})
}

func TestSignalSelfHarm(t *testing.T) {
	runSignalCases(t, DefaultDetector(), []signalCase{
		{text: "我不想活了", urgency: UrgencySelfHarm, matched: []string{"不想活"}},
		{text: "想死", urgency: UrgencySelfHarm},
		{text: "我想自杀", urgency: UrgencySelfHarm},
		{text: "再不给钱我就跳楼", urgency: UrgencySelfHarm},
		{text: "活不下去了", urgency: UrgencySelfHarm},
		{text: "I want to kill myself", urgency: UrgencySelfHarm},
		{text: "suicide", urgency: UrgencySelfHarm},
		{text: "I want to end my life", urgency: UrgencySelfHarm},
		{text: "I'm not suicidal but I can't sleep", urgency: UrgencySelfHarm}, // not negated: better safe
		// Self-harm outranks the rest, and Matched keeps them all.
		{text: "他打我，我不想活了", urgency: UrgencySelfHarm, matched: []string{"打我", "不想活"}},
		{text: "我被拘留了想死", urgency: UrgencySelfHarm},
		{text: "明天开庭我真的想死", urgency: UrgencySelfHarm},

		{text: "跳楼价甩卖"},
		{text: "想死你了"},
		{text: "this paperwork is killing me"},
		{text: "the end of my lease"},
		{text: "the deadline is killing me"},
	})
}

func TestSignalDeadline(t *testing.T) {
	runSignalCases(t, DefaultDetector(), []signalCase{
		{text: "明天开庭", urgency: UrgencyDeadline, matched: []string{"明天", "开庭"}},
		{text: "后天开庭怎么办", urgency: UrgencyDeadline},
		{text: "下周一开庭", urgency: UrgencyDeadline},
		{text: "3天后开庭", urgency: UrgencyDeadline},
		{text: "三天后开庭", urgency: UrgencyDeadline},
		{text: "明天就到期", urgency: UrgencyDeadline},
		{text: "截止日期是明天", urgency: UrgencyDeadline},
		{text: "仲裁时效下周就过了", urgency: UrgencyDeadline},
		{text: "今天必须交", urgency: UrgencyDeadline},
		{text: "快开庭了还没准备", urgency: UrgencyDeadline},
		{text: "还有三天就开庭", urgency: UrgencyDeadline},
		{text: "上诉期还剩两天", urgency: UrgencyDeadline},
		{text: "24小时内必须提交材料", urgency: UrgencyDeadline},
		{text: "房东让我明天搬走", urgency: UrgencyDeadline},
		{text: "截止日期是3月5日，也就是明天", urgency: UrgencyDeadline}, // same sentence, other clause
		{text: "hearing tomorrow", urgency: UrgencyDeadline, matched: []string{"hearing", "tomorrow"}},
		{text: "My court date is on Friday", urgency: UrgencyDeadline},
		{text: "deadline tomorrow", urgency: UrgencyDeadline},
		{text: "I must respond within 3 days", urgency: UrgencyDeadline},
		{text: "the trial is in two days", urgency: UrgencyDeadline},
		{text: "The hearing is next Monday. What should I bring?", urgency: UrgencyDeadline},
		{text: "ｍｙ ｈｅａｒｉｎｇ ｉｓ ｔｏｍｏｒｒｏｗ", urgency: UrgencyDeadline},
		{text: "我明天court hearing", urgency: UrgencyDeadline},
		{text: "my son was arrested, hearing tomorrow", urgency: UrgencyDetention, matched: []string{"arrested", "hearing", "tomorrow"}},

		{text: "明年开庭"},
		{text: "hearing next year"},
		{text: "下个月开庭"},
		{text: "15天内可以上诉"},
		{text: "十五天内可以上诉"},
		{text: "13天后开庭"},
		{text: "30天后开庭"},
		{text: "the appeal must be filed in 30 days"},
		{text: "上周五开庭了"},
		{text: "I had my hearing last Friday"},
		{text: "我明天要去上班，下个月开庭"},
		{text: "明天我想问问离婚的事"},
		{text: "today I want to ask about my divorce"},
		{text: "due to the pandemic the office is closed today"},
		{text: "my hearing aid broke today"},
		{text: "开庭是什么意思"},
		{text: "开庭。明天再说"}, // different sentences
		{text: "我今天去法院立案了，多久能开庭"},
		{text: "明天我打算去仲裁委咨询一下"},
		{text: "合同快到期了"}, // "soon" without a time is not within days
		{text: "还有十天开庭"},
		{text: "十几天后开庭"},
		{text: "I have a court date in 2 weeks"},
		{text: "the court hearing is on the 5th"}, // dates are not judged
		{text: "下下周开庭", urgency: UrgencyDeadline},
		{text: "五天后要交答辩状", urgency: UrgencyDeadline},
		{text: "周五之前必须提交证据", urgency: UrgencyDeadline},
		{text: "I have court tomorrow", urgency: UrgencyDeadline},
	})
}

func TestSignalUrgencyString(t *testing.T) {
	for u, want := range map[Urgency]string{
		UrgencyNone: "none", UrgencyDeadline: "deadline", UrgencyDetention: "detention",
		UrgencyViolence: "violence", UrgencySelfHarm: "self_harm", Urgency(9): "Urgency(9)",
	} {
		if got := u.String(); got != want {
			t.Errorf("Urgency(%d).String() = %q, want %q", int(u), got, want)
		}
	}
	if !(UrgencyNone < UrgencyDeadline && UrgencyDeadline < UrgencyDetention &&
		UrgencyDetention < UrgencyViolence && UrgencyViolence < UrgencySelfHarm) {
		t.Error("urgencies are not ordered by severity")
	}
}

// TestSignalEmbeddedListsLoad guarantees that DefaultDetector does not
// panic, and that every list the rules rely on has phrases.
func TestSignalEmbeddedListsLoad(t *testing.T) {
	sub, err := fs.Sub(embeddedSignals, "signals")
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDetector(sub)
	if err != nil {
		t.Fatalf("embedded signal lists: %v", err)
	}
	have := map[sigList]bool{}
	for _, p := range d.phrases {
		have[p.list] = true
	}
	for l := range numSigLists {
		if !have[l] {
			t.Errorf("embedded lists have no %s phrase", sigListNames[l])
		}
	}
	if DefaultDetector() != DefaultDetector() {
		t.Error("DefaultDetector builds a new detector on each call")
	}
}

func TestSignalCustomLists(t *testing.T) {
	d, err := NewDetector(fstest.MapFS{"xx.yaml": {Data: []byte(`
sets:
  n: ["2", two]
human: ["(ring|call) (me |us |)back"]
violence: ["{n} punches"]
soon_words: [今天]
deadline_words: [交房]
`)}})
	if err != nil {
		t.Fatal(err)
	}
	runSignalCases(t, d, []signalCase{
		{text: "please call me back", human: true, matched: []string{"call me back"}},
		{text: "ring back", human: true},
		{text: "two punches", urgency: UrgencyViolence},
		{text: "2 punches", urgency: UrgencyViolence},
		{text: "22 punches"}, // a digit edge needs a word boundary
		{text: "今天交房", urgency: UrgencyDeadline},
		{text: "call me backwards"},
		{text: "转人工"}, // only this file's lists
	})
}

func TestSignalNewDetectorErrors(t *testing.T) {
	for name, file := range map[string]string{
		"unknown key":     "violense: [打我]\n",
		"not yaml":        "human: [转人工\n",
		"unclosed group":  "human: [\"(a|b\"]\n",
		"stray bar":       "human: [a|b]\n",
		"nested group":    "human: [\"(a|(b|c))\"]\n",
		"unknown set":     "human: [\"{who} please\"]\n",
		"punctuation":     "human: [\"律师，律师\"]\n",
		"empty phrase":    "human: [\"( |)\"]\n",
		"pattern in set":  "sets: {n: [\"(a|b)\"]}\nhuman: [\"{n}\"]\n",
		"too many phrase": "human: [\"(a|b|c|d|e|f|g|h|i|j)(a|b|c|d|e|f|g|h|i|j)(a|b|c|d|e|f|g|h|i|j)(a|b|c|d|e|f|g|h|i|j)(a|b)\"]\n",
		"no phrases":      "sets: {n: [a]}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewDetector(fstest.MapFS{"zh.yaml": {Data: []byte(file)}}); err == nil {
				t.Errorf("NewDetector accepted %q", file)
			}
		})
	}
	if _, err := NewDetector(fstest.MapFS{"readme.txt": {Data: []byte("x")}}); err == nil {
		t.Error("NewDetector accepted a folder without *.yaml")
	}
}

func TestSignalExpandPattern(t *testing.T) {
	sets := map[string][]string{"n": {"1", "一"}}
	got, err := expandSignalPattern("(还有|)({n})天", map[string][]string{})
	if err == nil {
		t.Errorf("a set inside a group was accepted: %q", got)
	}
	got, err = expandSignalPattern("(还有|){n}天(内|)", sets)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"还有1天内", "还有1天", "还有一天内", "还有一天", "1天内", "1天", "一天内", "一天"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("expansion (-want +got):\n%s", diff)
	}
}

func TestSignalNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ＨＥＬＬＯ，ｗｏｒｌｄ！":             "hello,world!",
		"  转  人工 ":                 "转人工",
		"talk   to\ta\u00a0lawyer": "talk to a lawyer",
		"he\u2019s":                "he's",
		"一\n\n\n二":                 "一\n二",
		"律\u200b师":                 "律师",
	} {
		if got := string(sigNormalize(in).runes); got != want {
			t.Errorf("sigNormalize(%q) = %q, want %q", in, got, want)
		}
	}
	tx := sigNormalize("明天，开庭。3.5 ok! 好")
	if diff := cmp.Diff([]int{0, 3, 6, 13}, tx.clauses); diff != "" {
		t.Errorf("clauses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 6, 13}, tx.sentences); diff != "" {
		t.Errorf("sentences (-want +got):\n%s", diff)
	}
}

// TestSignalDetectConcurrent runs one detector from many goroutines, for
// the race detector.
func TestSignalDetectConcurrent(t *testing.T) {
	d := DefaultDetector()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				text := fmt.Sprintf("我老公打我%d次，明天开庭，想找律师", i*j)
				if got := d.Detect(text); !got.WantsHuman || got.Urgency != UrgencyViolence {
					t.Errorf("Detect(%q) = %+v", text, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzSignalDetect checks that no input makes Detect panic and that
// Matched only holds phrases of the lists.
func FuzzSignalDetect(f *testing.F) {
	for _, s := range []string{"", "他打我，明天开庭", "talk to a lawyer", "\xff\xfe", "。。。", "Ｉ ｎｅｅｄ", "律师\n\n人工"} {
		f.Add(s)
	}
	d := DefaultDetector()
	known := map[string]bool{}
	for _, p := range d.phrases {
		known[p.text] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := d.Detect(s)
		for _, m := range got.Matched {
			if !known[m] {
				t.Errorf("Detect(%q) matched %q, which is no list's phrase", s, m)
			}
		}
		if got.Urgency < UrgencyNone || got.Urgency > UrgencySelfHarm {
			t.Errorf("Detect(%q).Urgency = %d", s, got.Urgency)
		}
	})
}

var signalBenchMessages = []string{
	"我老公昨天又打我了，还威胁说要杀了我，孩子也被吓坏了，我该怎么办？",
	"公司拖欠了我三个月工资，我想申请劳动仲裁，需要准备什么材料？",
	"My landlord won't return my deposit and the hearing is next Friday. Can I talk to a lawyer?",
	"律师费多少钱",
	"I was in a car accident last year and the insurance company refuses to pay, how much does a lawyer cost?",
	strings.Repeat("离婚后孩子的抚养权归谁，财产怎么分割？", 5),
}

// BenchmarkSignalDetect measures one Detect call on a typical message; the
// budget is about 20 µs.
func BenchmarkSignalDetect(b *testing.B) {
	d := DefaultDetector()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Detect(signalBenchMessages[i%len(signalBenchMessages)])
		i++
	}
}

func TestSignalSmallTalk(t *testing.T) {
	d := DefaultDetector()
	for _, tc := range []struct {
		text string
		want SmallTalk
	}{
		{"你好", SmallTalkGreeting},
		{"您好！", SmallTalkGreeting},
		{"老师你好", SmallTalkGreeting},
		{"在吗？", SmallTalkGreeting},
		{"hello", SmallTalkGreeting},
		{"Hi there!", SmallTalkGreeting},
		{"good morning", SmallTalkGreeting},
		{"谢谢", SmallTalkThanks},
		{"谢谢老师！！", SmallTalkThanks},
		{"好的，明白了", SmallTalkThanks},
		{"非常感谢您", SmallTalkThanks},
		{"Thank you so much!", SmallTalkThanks},
		{"ok thanks", SmallTalkThanks},
		{"thx", SmallTalkThanks},
		{"谢谢，再见", SmallTalkThanks},
		{"再见", SmallTalkGoodbye},
		{"没事了，拜拜", SmallTalkGoodbye},
		{"bye", SmallTalkGoodbye},
		{"that's all", SmallTalkGoodbye},
		{"你是机器人吗", SmallTalkAboutBot},
		{"你好，你是谁", SmallTalkAboutBot},
		{"你能做什么？", SmallTalkAboutBot},
		{"are you a bot?", SmallTalkAboutBot},
		{"Who are you", SmallTalkAboutBot},
		{"what can you do", SmallTalkAboutBot},
		// Any other word makes it a question.
		{"你好，老板欠我工资三个月了", SmallTalkNone},
		{"谢谢，那押金能要回来吗", SmallTalkNone},
		{"hello, my boss has not paid me", SmallTalkNone},
		{"thanks, what about overtime?", SmallTalkNone},
		{"好", SmallTalkNone},
		{"你喜欢什么颜色", SmallTalkNone},
		{"help", SmallTalkNone},
		{"this", SmallTalkNone},
		{"", SmallTalkNone},
	} {
		if got := d.Detect(tc.text).SmallTalk; got != tc.want {
			t.Errorf("Detect(%q).SmallTalk = %d, want %d", tc.text, got, tc.want)
		}
	}
	// Small talk never hides a request for a person or an urgency.
	if s := d.Detect("你好，转人工"); !s.WantsHuman || s.SmallTalk != SmallTalkNone {
		t.Errorf("你好，转人工: %+v", s)
	}
	if s := d.Detect("你好，他打我"); s.Urgency != UrgencyViolence || s.SmallTalk != SmallTalkNone {
		t.Errorf("你好，他打我: %+v", s)
	}
}

// The configuration names the urgencies an emergency number is for
// (handoff.emergency[].for); each name must be one the detector gives.
func TestEmergencyUrgenciesAreDetectorNames(t *testing.T) {
	names := map[string]bool{}
	for u := UrgencyNone; u <= UrgencySelfHarm; u++ {
		names[u.String()] = true
	}
	for _, n := range config.EmergencyUrgencies {
		if !names[n] {
			t.Errorf("config.EmergencyUrgencies has %q, which no Urgency is called", n)
		}
	}
}
