package knowledge_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/legalbot/legalbot/knowledge"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// sameEntries compares entries by content, ignoring where they were read.
var sameEntries = cmp.Options{
	cmpopts.IgnoreFields(knowledge.Entry{}, "Source"),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b knowledge.Date) bool { return a.Equal(b.Time) }),
}

func entriesOf(les []knowledge.LocatedEntry) []*knowledge.Entry {
	out := make([]*knowledge.Entry, len(les))
	for i, le := range les {
		out[i] = le.Entry
	}
	return out
}

func problemStrings(ps knowledge.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func builtinKB(t testing.TB) *knowledge.KB {
	t.Helper()
	kb, _, err := knowledge.Builtin(now)
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

const twoLanguages = `{"id": "labor-wages-unpaid", "lang": "zh", "category": "labor", "questions": ["单位拖欠工资怎么办？", "老板欠我工资"], "answer": "可以投诉。", "citations": [{"law": "劳动合同法", "article": "第三十条"}], "tags": ["欠薪"]}

{"id": "labor-wages-unpaid", "lang": "en", "category": "labor", "questions": ["My employer has not paid my wages."], "answer": "You can complain.", "citations": [{"law": "劳动合同法", "article": 30}, {"law": "民法典", "article": "第一千零七十九条", "effective": "2021-01-01"}], "tags": ["wages"], "updated": "2026-12-01"}
`

func TestParseJSONLMergesTranslations(t *testing.T) {
	les, ps := knowledge.ParseJSONL("in.jsonl", []byte(twoLanguages))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	updated, _ := knowledge.ParseDate("2026-12-01")
	effective, _ := knowledge.ParseDate("2021-01-01")
	want := []*knowledge.Entry{{
		ID: "labor-wages-unpaid", Category: "labor", Status: knowledge.Published, Updated: updated,
		Tags: []string{"欠薪", "wages"},
		Citations: []knowledge.Citation{
			{Law: "劳动合同法", Article: 30},
			{Law: "民法典", Article: 1079, Effective: effective},
		},
		Text: map[string]knowledge.Text{
			"zh": {Questions: []string{"单位拖欠工资怎么办？", "老板欠我工资"}, Answer: "可以投诉。"},
			"en": {Questions: []string{"My employer has not paid my wages."}, Answer: "You can complain."},
		},
	}}
	if diff := cmp.Diff(want, entriesOf(les), sameEntries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if les[0].Line != 1 || les[0].File != "in.jsonl" {
		t.Errorf("located at %s:%d, want in.jsonl:1", les[0].File, les[0].Line)
	}
}

// Every problem names the file, the line and the field.
func TestParseInterchangeProblemsAreLocated(t *testing.T) {
	cases := []struct{ name, file, data, want string }{
		{"bad json", "x.jsonl", "{\"id\": \"a\"\nnot json\n", "x.jsonl:1: not a JSON object"},
		{"unknown field", "x.jsonl", `{"id":"a","lang":"zh","questions":["q"],"answer":"a","tagz":["x"]}`, "x.jsonl:1: tagz (a): unknown field"},
		{"wrong type", "x.jsonl", `{"id":"a","lang":"zh","questions":"q","answer":"a"}`, "x.jsonl:1: questions (a): must be a list of strings"},
		{"bad article", "x.jsonl", `{"id":"a","lang":"zh","questions":["q"],"answer":"a","citations":[{"law":"民法典","article":"第条"}]}`, `x.jsonl:1: citations[0].article (a): invalid article number "第条"`},
		{"bad date", "x.jsonl", `{"id":"a","lang":"zh","questions":["q"],"answer":"a","review_by":"2027-13-01"}`, "x.jsonl:1: review_by (a): invalid date"},
		{"missing lang", "x.jsonl", `{"id":"a","questions":["q"],"answer":"a"}`, "x.jsonl:1: lang (a): missing"},
		{"duplicate language", "x.jsonl", "{\"id\":\"a\",\"lang\":\"zh\",\"questions\":[\"q\"],\"answer\":\"a\"}\n{\"id\":\"a\",\"lang\":\"zh\",\"questions\":[\"q\"],\"answer\":\"a\"}", `x.jsonl:2: lang (a): duplicate language "zh" for id a, first at line 1`},
		{"conflicting category", "x.jsonl", "{\"id\":\"a\",\"lang\":\"zh\",\"category\":\"labor\",\"questions\":[\"q\"],\"answer\":\"a\"}\n{\"id\":\"a\",\"lang\":\"en\",\"category\":\"family\",\"questions\":[\"q\"],\"answer\":\"a\"}", `x.jsonl:2: category (a): "family" differs from "labor"`},
		{"csv without header", "x.csv", "", "x.csv:1: empty file: a header row is required"},
		{"csv unknown column", "x.csv", "id,lang,questions,answer,colour\n", "x.csv:1: colour: unknown column"},
		{"csv missing column", "x.csv", "id,lang,questions\n", "x.csv:1: answer: missing column"},
		{"csv bad citation", "x.csv", "id,lang,questions,answer,citations\na,zh,\"问一\n问二\",答,\"劳动合同法 第三十条; 民法典 abc\"\n", `x.csv:3: citations (a): citation "民法典 abc"`},
		{"csv quote", "x.csv", "id,lang,questions,answer\na,zh,\"unclosed,答\n", "x.csv:2:"},
		{"unknown format", "x.txt", "", "x.txt: unknown format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := knowledge.ParseInterchange(tc.file, []byte(tc.data))
			got := problemStrings(ps)
			for _, g := range got {
				if strings.HasPrefix(g, tc.want) {
					return
				}
			}
			t.Errorf("problems %q\nwant one starting with %q", got, tc.want)
		})
	}
}

// The strict check is the knowledge base's own: it names the interchange
// file's lines.
func TestCheckImported(t *testing.T) {
	data := `{"id":"a","lang":"zh","category":"taxes","questions":["问"],"answer":"答"}`
	les, _ := knowledge.ParseJSONL("x.jsonl", []byte(data))
	got := problemStrings(knowledge.CheckImported(les, map[string]bool{"labor": true}, now))
	want := []string{
		`x.jsonl:1: category (a): unknown category "taxes" (see categories.yaml)`,
		"x.jsonl:1: text.en (a): missing translation: published entries need zh and en",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if ps := knowledge.CheckRecords(les); len(ps) > 0 {
		t.Errorf("lenient check: %v", ps)
	}
}

func TestParseCSV(t *testing.T) {
	data := "\ufeffid,lang,category,questions,answer,citations,tags,status\n" +
		"labor-a,zh,labor,\"问一\n问二\",\"答，\n第二段\",\"劳动合同法 第三十条; 《民法典》第七百零三条 (2021-01-01)\",\"欠薪,工资\",draft\n" +
		"labor-a,en,labor,Q one | Q two,Answer,,wages,draft\n"
	les, ps := knowledge.ParseCSV("x.csv", []byte(data))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	effective, _ := knowledge.ParseDate("2021-01-01")
	want := []*knowledge.Entry{{
		ID: "labor-a", Category: "labor", Status: knowledge.Draft, Tags: []string{"欠薪", "工资", "wages"},
		Citations: []knowledge.Citation{{Law: "劳动合同法", Article: 30}, {Law: "民法典", Article: 703, Effective: effective}},
		Text: map[string]knowledge.Text{
			"zh": {Questions: []string{"问一", "问二"}, Answer: "答，\n第二段"},
			"en": {Questions: []string{"Q one", "Q two"}, Answer: "Answer"},
		},
	}}
	if diff := cmp.Diff(want, entriesOf(les), sameEntries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestCitationsText(t *testing.T) {
	cases := []struct {
		in   string
		want []knowledge.Citation
	}{
		{"劳动合同法 第三十条", []knowledge.Citation{{Law: "劳动合同法", Article: 30}}},
		{"劳动合同法 30；民法典 第一千零七十九条", []knowledge.Citation{{Law: "劳动合同法", Article: 30}, {Law: "民法典", Article: 1079}}},
		{"《劳动合同法》第三十条", []knowledge.Citation{{Law: "劳动合同法", Article: 30}}},
		{"最高人民法院关于适用《民法典》婚姻家庭编的解释（一） 第五条", []knowledge.Citation{{Law: "最高人民法院关于适用《民法典》婚姻家庭编的解释（一）", Article: 5}}},
	}
	for _, tc := range cases {
		got, err := knowledge.ParseCitations(tc.in)
		if err != nil {
			t.Errorf("ParseCitations(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, sameEntries); diff != "" {
			t.Errorf("ParseCitations(%q) (-want +got):\n%s", tc.in, diff)
		}
		back, err := knowledge.ParseCitations(knowledge.FormatCitations(got))
		if err != nil || !cmp.Equal(got, back, sameEntries) {
			t.Errorf("FormatCitations(%v) = %q reads back as %v, %v", got, knowledge.FormatCitations(got), back, err)
		}
	}
}

// The built-in knowledge base survives every format: nothing is lost.
func TestRoundTripBuiltin(t *testing.T) {
	t.Parallel()
	kb := builtinKB(t)
	t.Run("jsonl", func(t *testing.T) {
		var b bytes.Buffer
		if err := knowledge.WriteJSONL(&b, kb.Entries); err != nil {
			t.Fatal(err)
		}
		les, ps := knowledge.ParseJSONL("kb.jsonl", b.Bytes())
		if len(ps) > 0 {
			t.Fatalf("problems: %v", ps[:min(5, len(ps))])
		}
		if diff := cmp.Diff(kb.Entries, entriesOf(les), sameEntries); diff != "" {
			t.Errorf("after JSONL (-want +got):\n%s", diff)
		}
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := knowledge.WriteCSV(&b, kb.Entries); err != nil {
			t.Fatal(err)
		}
		les, ps := knowledge.ParseCSV("kb.csv", b.Bytes())
		if len(ps) > 0 {
			t.Fatalf("problems: %v", ps[:min(5, len(ps))])
		}
		if diff := cmp.Diff(kb.Entries, entriesOf(les), sameEntries); diff != "" {
			t.Errorf("after CSV (-want +got):\n%s", diff)
		}
	})
	t.Run("yaml", func(t *testing.T) {
		files, err := knowledge.ExportYAML(kb)
		if err != nil {
			t.Fatal(err)
		}
		fsys := fstest.MapFS{}
		for p, data := range files {
			fsys[p] = &fstest.MapFile{Data: data}
		}
		got, _, err := knowledge.LoadFS(fsys, now)
		if err != nil {
			t.Fatal(err)
		}
		// Entries come back grouped by category (the files load in path
		// order), in their order within the category.
		byID := cmpopts.SortSlices(func(a, b *knowledge.Entry) bool { return a.ID < b.ID })
		want := kb.Entries
		if diff := cmp.Diff(want, got.Entries, sameEntries, byID); diff != "" {
			t.Errorf("after YAML (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(kb.Categories, got.Categories); diff != "" {
			t.Errorf("categories (-want +got):\n%s", diff)
		}
	})
}

const mergeCategories = `# The categories.
- id: labor
  names: {zh: 劳动, en: Work}
`

const mergeLabor = `# Wages.
- id: labor-a
  category: labor
  status: published
  updated: 2026-12-01
  text:
    zh:
      questions: [老问题]
      answer: 老答案。
    en:
      questions: [Old question]
      answer: Old answer.

# Another one, untouched.
- id: labor-b
  category: labor
  status: published
  text:
    zh:
      questions: [问题乙]
      answer: 答案乙。
    en:
      questions: [Question B]
      answer: Answer B.
`

func TestMerge(t *testing.T) {
	fsys := fstest.MapFS{
		"categories.yaml":  {Data: []byte(mergeCategories)},
		"labor/wages.yaml": {Data: []byte(mergeLabor)},
	}
	in := `{"id":"labor-a","lang":"zh","category":"labor","questions":["新问题"],"answer":"新答案。\n第二段。\n"}
{"id":"labor-a","lang":"en","category":"labor","questions":["New question"],"answer":"New answer."}
{"id":"family-c","lang":"zh","category":"family","questions":["离婚"],"answer":"答。","updated":"2026-11-30"}
{"id":"family-c","lang":"en","category":"family","questions":["Divorce"],"answer":"A."}
`
	les, ps := knowledge.ParseJSONL("in.jsonl", []byte(in))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	// family is unknown to the folder: the import must say so…
	if ps := knowledge.CheckImported(les, map[string]bool{"labor": true}, now); len(ps.Errors()) != 1 {
		t.Errorf("check: %v, want the unknown category", ps)
	}
	// …unless the category comes along.
	family := knowledge.Category{ID: "family", Names: map[string]string{"zh": "婚姻家庭", "en": "Family"}}
	files, err := knowledge.Merge(fsys, entriesOf(les), []knowledge.Category{family}, now)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	if diff := cmp.Diff([]string{"categories.yaml", "family/family.yaml", "labor/wages.yaml"}, paths, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("files written (-want +got):\n%s", diff)
	}
	wages := string(files["labor/wages.yaml"])
	for _, want := range []string{"# Wages.\n- id: labor-a", "新问题", "answer: |\n        新答案。\n        第二段。\n", "\n\n# Another one, untouched.\n- id: labor-b", "questions: [问题乙]"} {
		if !strings.Contains(wages, want) {
			t.Errorf("labor/wages.yaml lacks %q:\n%s", want, wages)
		}
	}
	if strings.Contains(wages, "老问题") {
		t.Errorf("labor/wages.yaml still has the replaced entry:\n%s", wages)
	}
	if cats := string(files["categories.yaml"]); !strings.HasPrefix(cats, "# The categories.\n") || !strings.Contains(cats, "id: family") {
		t.Errorf("categories.yaml:\n%s", cats)
	}
	if f := string(files["family/family.yaml"]); !strings.Contains(f, "updated: 2026-11-30\n") {
		t.Errorf("family/family.yaml: want a bare date:\n%s", f)
	}

	// A folder with problems is not imported into.
	broken := fstest.MapFS{"categories.yaml": {Data: []byte(mergeCategories)}, "labor/x.yaml": {Data: []byte("- id: [\n")}}
	if _, err := knowledge.Merge(broken, entriesOf(les), []knowledge.Category{family}, now); err == nil {
		t.Error("merge into a broken folder: want an error")
	}
}

// Exporting the built-in knowledge base and importing it into a copy of
// itself changes no file: the merge rewrites entries exactly as curated.
func TestMergeBuiltinIntoItselfIsStable(t *testing.T) {
	t.Parallel()
	kb := builtinKB(t)
	files, err := knowledge.Merge(knowledge.BuiltinFS(), kb.Entries, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		orig, err := knowledge.BuiltinFS().Open(p)
		if err != nil {
			t.Errorf("%s: new file", p)
			continue
		}
		var b bytes.Buffer
		b.ReadFrom(orig)
		orig.Close()
		if b.String() != string(data) {
			t.Errorf("%s changed by a no-op import:\n%s", p, cmp.Diff(b.String(), string(data)))
		}
	}
}
