package knowledge_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/knowledge"
)

// shippedPolicy is the policy the bot runs with by default.
func shippedPolicy() knowledge.Policy {
	p := config.Default().Policy
	return knowledge.Policy{AnswerAt: p.Answer, SuggestAt: p.Suggest, Margin: p.Margin, DeclineBelow: p.DeclineBelow}
}

func TestParseQueries(t *testing.T) {
	data := `{"query": "老板不发工资", "gold": ["labor-wages-unpaid"]}

{"query": "你好", "gold": [], "kind": "chitchat", "note": "writers' own keys are ignored"}
{"query": "typo", "glod": ["x"]}
{"query": "", "gold": []}
not json
`
	qs, ps := knowledge.ParseQueries("q.jsonl", []byte(data))
	if len(qs) != 2 || qs[0].Line != 1 || qs[1].Kind != "chitchat" || len(qs[1].Gold) != 0 {
		t.Errorf("queries = %+v", qs)
	}
	got := strings.Join(problemStrings(ps), "\n")
	for _, want := range []string{"q.jsonl:4: gold: missing", "q.jsonl:5: query: missing", "q.jsonl:6: not a JSON object"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems:\n%s\nwant %q", got, want)
		}
	}
}

// fakeSearcher answers each query with fixed hits.
type fakeSearcher map[string][]knowledge.Hit

func (f fakeSearcher) Search(q knowledge.Query) []knowledge.Hit { return f[q.Text] }

func hit(id string, score, confidence float64) knowledge.Hit {
	return knowledge.Hit{Entry: &knowledge.Entry{ID: id}, Score: score, Coverage: confidence, QuestionMatch: confidence, Confidence: confidence}
}

func TestEvaluateMetrics(t *testing.T) {
	s := fakeSearcher{
		"right answer": {hit("a", 0.9, 0.9), hit("b", 0.1, 0.2)},
		"wrong answer": {hit("b", 0.9, 0.9), hit("a", 0.1, 0.2)},
		"suggested":    {hit("b", 0.5, 0.5), hit("a", 0.49, 0.45)},
		"third":        {hit("b", 0.5, 0.2), hit("c", 0.4, 0.2), hit("a", 0.3, 0.2)},
		"missed":       {hit("b", 0.5, 0.2)},
		"junk":         {hit("b", 0.9, 0.9)},
	}
	qs := []knowledge.EvalQuery{
		{Query: "right answer", Gold: []string{"a"}},
		{Query: "wrong answer", Gold: []string{"a"}},
		{Query: "suggested", Gold: []string{"a"}},
		{Query: "third", Gold: []string{"a"}},
		{Query: "missed", Gold: []string{"a"}},
		{Query: "junk"},
		{Query: "nothing"},
	}
	rep := knowledge.Evaluate(s, knowledge.Policy{AnswerAt: 0.55, SuggestAt: 0.30, Margin: 0.08}, qs)
	for _, m := range []struct {
		name      string
		got, want float64
	}{
		{"n", float64(rep.N), 7},
		{"recall@1", rep.Recall1, 1.0 / 5},
		{"recall@3", rep.Recall3, 4.0 / 5},
		{"mrr@10", rep.MRR10, (1 + 0.5 + 0.5 + 1.0/3) / 5},
		{"answer_correct", rep.AnswerCorrect, 1.0 / 5},
		{"answer_wrong", rep.AnswerWrong, 1.0 / 5},
		{"suggest_hit", rep.SuggestHit, 1.0 / 5},
		{"false_answer", rep.FalseAnswer, 1.0 / 2},
		{"decline_ok", rep.DeclineOK, 1.0 / 2},
	} {
		if math.Abs(m.got-m.want) > 1e-9 {
			t.Errorf("%s = %.4f, want %.4f", m.name, m.got, m.want)
		}
	}
	if !rep.Results[0].Correct() || rep.Results[1].Correct() || !rep.Results[6].Correct() {
		t.Errorf("Correct() wrong: %+v", rep.Results)
	}
}

// loadQueryFiles reads every *.jsonl in dir.
func loadQueryFiles(t *testing.T, pattern string) []knowledge.EvalQuery {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files %s: %v", pattern, err)
	}
	var out []knowledge.EvalQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs, ps := knowledge.ParseQueries(f, data)
		if len(ps) > 0 {
			t.Fatalf("%v", ps)
		}
		out = append(out, qs...)
	}
	return out
}

// logFailures lists what the bot got wrong, for whoever reads a failed run.
func logFailures(t *testing.T, rep knowledge.Report, max int) {
	t.Helper()
	n := 0
	for _, r := range rep.Results {
		if r.Correct() || (len(r.Query.Gold) > 0 && r.Decision.Outcome != knowledge.Answer) {
			continue
		}
		if n++; n > max {
			return
		}
		var got []string
		for _, h := range r.Decision.Hits {
			got = append(got, h.Entry.ID)
		}
		t.Logf("%s %v (certainty %.2f, lead %.2f), gold %v: %s", r.Decision.Outcome, got, r.Decision.Certainty, r.Decision.Lead, r.Query.Gold, r.Query.Query)
	}
}

// Floors the built-in content must keep (CI runs this test): the figures
// measured when the method was last changed, less a little slack for new
// evaluation queries. The targets are recall@1 ≥ 0.95 and false_answer ≤
// 0.02; recall@1 is below its target (see the package comment).
const (
	builtinMinRecall1    = 0.92
	builtinMaxFalseAns   = 0.02
	builtinMaxWrongAns   = 0.04
	builtinTargetRecall1 = 0.95
)

func TestBuiltinEvaluation(t *testing.T) {
	t.Parallel()
	kb, ix := builtinIndex(t)
	qs := loadQueryFiles(t, filepath.Join("testdata", "*.jsonl"))
	for _, q := range qs {
		for _, id := range q.Gold {
			if kb.Entry(id) == nil {
				t.Errorf("testdata line %d: gold %s is not an entry", q.Line, id)
			}
		}
	}
	rep := knowledge.Evaluate(ix, shippedPolicy(), qs)
	t.Logf("built-in: %d queries (%d with gold, %d to decline)\n%s", rep.N, rep.NGold, rep.NDecline, rep)
	if rep.Recall1 < builtinTargetRecall1 {
		t.Logf("recall@1 %.3f is below the target %.2f", rep.Recall1, builtinTargetRecall1)
	}
	if rep.Recall1 < builtinMinRecall1 || rep.FalseAnswer > builtinMaxFalseAns || rep.AnswerWrong > builtinMaxWrongAns {
		logFailures(t, rep, 40)
		t.Errorf("recall@1 %.3f (min %.2f), false_answer %.3f (max %.2f), answer_wrong %.3f (max %.2f)",
			rep.Recall1, builtinMinRecall1, rep.FalseAnswer, builtinMaxFalseAns, rep.AnswerWrong, builtinMaxWrongAns)
	}
}

// The decline set must be declined whatever the thresholds' fine tuning:
// nothing in it may be answered.
func TestDeclineSet(t *testing.T) {
	t.Parallel()
	_, ix := builtinIndex(t)
	qs := loadQueryFiles(t, filepath.Join("testdata", "decline.jsonl"))
	if len(qs) < 100 {
		t.Errorf("%d queries in the decline set, want at least 100", len(qs))
	}
	for _, q := range qs {
		if len(q.Gold) > 0 {
			t.Errorf("decline.jsonl:%d has gold", q.Line)
		}
	}
	rep := knowledge.Evaluate(ix, shippedPolicy(), qs)
	if rep.FalseAnswer > builtinMaxFalseAns {
		logFailures(t, rep, 20)
		t.Errorf("false_answer %.3f, want at most %.2f", rep.FalseAnswer, builtinMaxFalseAns)
	}
}

// lecoqaDir finds the LeCoQA evaluation data: LEGALBOT_TEST_LECOQA_DIR, or
// shared/eval/lecoqa beside the project.
func lecoqaDir(t *testing.T) string {
	dir := os.Getenv("LEGALBOT_TEST_LECOQA_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "eval", "lecoqa")
	}
	if _, err := os.Stat(filepath.Join(dir, "cards.jsonl")); err != nil {
		t.Skipf("no LeCoQA data at %s (set LEGALBOT_TEST_LECOQA_DIR)", dir)
	}
	return dir
}

// The LeCoQA floors: measured on its train queries when the method was last
// changed, less a little slack. The targets were recall@1 ≥ 0.90, recall@3
// ≥ 0.97, answer_correct ≥ 0.80 with answer_wrong ≤ 0.05, and false_answer
// ≤ 0.03 on queries no card answers.
const (
	lecoqaMinRecall1       = 0.855
	lecoqaMinRecall3       = 0.945
	lecoqaMinAnswerCorrect = 0.75
	lecoqaMaxAnswerWrong   = 0.05
	lecoqaMaxFalseAnswer   = 0.03
)

func TestLecoQAEvaluation(t *testing.T) {
	t.Parallel()
	dir := lecoqaDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "cards.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	les, ps := knowledge.ParseJSONL("cards.jsonl", data)
	ps = append(ps, knowledge.CheckRecords(les)...)
	if len(ps) > 0 {
		t.Fatalf("cards: %v", ps)
	}
	kb := knowledge.KBFromRecords(les)
	lex, err := knowledge.LoadLexicon(knowledge.BuiltinFS())
	if err != nil {
		t.Fatal(err)
	}
	ix := knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex))
	if ix.Len() != len(les) {
		t.Errorf("indexed %d of %d cards", ix.Len(), len(les))
	}
	qs := loadQueryFiles(t, filepath.Join(dir, "train_queries.jsonl"))
	rep := knowledge.Evaluate(ix, shippedPolicy(), qs)
	t.Logf("LeCoQA train queries:\n%s", rep)
	if rep.Recall1 < lecoqaMinRecall1 || rep.Recall3 < lecoqaMinRecall3 || rep.AnswerCorrect < lecoqaMinAnswerCorrect || rep.AnswerWrong > lecoqaMaxAnswerWrong {
		logFailures(t, rep, 20)
		t.Errorf("recall@1 %.3f (min %.3f), recall@3 %.3f (min %.3f), answer_correct %.3f (min %.2f), answer_wrong %.3f (max %.2f)",
			rep.Recall1, lecoqaMinRecall1, rep.Recall3, lecoqaMinRecall3, rep.AnswerCorrect, lecoqaMinAnswerCorrect, rep.AnswerWrong, lecoqaMaxAnswerWrong)
	}

	// What no legal card answers: chit-chat, nonsense, prompt injection,
	// padding (the decline set's legal questions are LeCoQA's own ground).
	var junk []knowledge.EvalQuery
	for _, q := range loadQueryFiles(t, filepath.Join("testdata", "decline.jsonl")) {
		if q.Kind != "law" {
			junk = append(junk, q)
		}
	}
	rep = knowledge.Evaluate(ix, shippedPolicy(), junk)
	t.Logf("LeCoQA, %d queries to decline: false_answer %.3f, decline_ok %.3f", rep.N, rep.FalseAnswer, rep.DeclineOK)
	if rep.FalseAnswer > lecoqaMaxFalseAnswer {
		logFailures(t, rep, 20)
		t.Errorf("false_answer %.3f, want at most %.2f", rep.FalseAnswer, lecoqaMaxFalseAnswer)
	}
}
