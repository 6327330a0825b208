package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const testCategories = `- id: labor
  names: {zh: 劳动, en: Work}
- id: family
  names: {zh: 婚姻家庭, en: Family}
`

const goodEntry = `- id: labor-wages-unpaid
  category: labor
  status: published
  updated: 2026-12-01
  review_by: 2027-12-01
  citations:
    - law: 劳动合同法
      article: 30
  text:
    zh:
      questions: [单位拖欠工资怎么办？]
      answer: 可以投诉或申请仲裁。
    en:
      questions: [My employer has not paid my wages.]
      answer: You can complain or apply for arbitration.
`

func TestLoadFSGood(t *testing.T) {
	fsys := fstest.MapFS{
		"categories.yaml":  {Data: []byte(testCategories)},
		"labor/wages.yaml": {Data: []byte(goodEntry)},
	}
	kb, problems, err := LoadFS(fsys, testNow)
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	e := kb.Entry("labor-wages-unpaid")
	if e == nil {
		t.Fatal("entry not loaded")
	}
	if got, want := e.Citations[0].String(), "《劳动合同法》第三十条"; got != want {
		t.Errorf("citation = %q, want %q", got, want)
	}
	if e.Source.File != "labor/wages.yaml" || e.Source.Line != 1 {
		t.Errorf("source = %+v", e.Source)
	}
}

// Every malformed input is reported with its file, line and field.
func TestLoadFSProblemsAreLocated(t *testing.T) {
	cases := []struct {
		name, file, want string
	}{
		{"unknown field", strings.Replace(goodEntry, "  updated:", "  updatd:", 1), "labor/x.yaml:4: updatd (labor-wages-unpaid): unknown field"},
		{"unknown category", strings.Replace(goodEntry, "category: labor", "category: taxes", 1), `labor/x.yaml:2: category (labor-wages-unpaid): unknown category "taxes"`},
		{"missing translation", goodEntry[:strings.Index(goodEntry, "    en:")], "labor/x.yaml:9: text.en (labor-wages-unpaid): missing translation"},
		{"missing answer", strings.Replace(goodEntry, "      answer: 可以投诉或申请仲裁。\n", "", 1), "labor/x.yaml:10: text.zh.answer (labor-wages-unpaid): missing"},
		{"bad date", strings.Replace(goodEntry, "2026-12-01", "2026-13-01", 1), `labor/x.yaml:4`},
		{"bad article", strings.Replace(goodEntry, "article: 30", "article: 第条", 1), `labor/x.yaml:8: citations[0].article (labor-wages-unpaid): invalid article number "第条"`},
		{"bad status", strings.Replace(goodEntry, "status: published", "status: live", 1), `labor/x.yaml:3: status (labor-wages-unpaid): unknown status "live"`},
		{"not a list", "id: x\n", "labor/x.yaml:1: an entry file must be a YAML list"},
		{"syntax", "- id: [unclosed\n", "labor/x.yaml:"},
		{"review passed", strings.Replace(goodEntry, "review_by: 2027-12-01", "review_by: 2026-01-01", 1), "labor/x.yaml:5: review_by (labor-wages-unpaid): warning: review date 2026-01-01 has passed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"categories.yaml": {Data: []byte(testCategories)},
				"labor/x.yaml":    {Data: []byte(tc.file)},
			}
			_, problems, _ := LoadFS(fsys, testNow)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			for _, g := range got {
				if strings.HasPrefix(g, tc.want) {
					return
				}
			}
			t.Errorf("problems %q\nwant one starting with %q", got, tc.want)
		})
	}
}

func TestLoadFSDuplicateID(t *testing.T) {
	fsys := fstest.MapFS{
		"categories.yaml": {Data: []byte(testCategories)},
		"labor/a.yaml":    {Data: []byte(goodEntry)},
		"labor/b.yaml":    {Data: []byte(goodEntry)},
	}
	_, problems, err := LoadFS(fsys, testNow)
	if err == nil {
		t.Fatal("want an error for a duplicate id")
	}
	if got := problems.Errors()[0].String(); !strings.Contains(got, "labor/b.yaml:1: id (labor-wages-unpaid): duplicate id, first defined at labor/a.yaml:1") {
		t.Errorf("problem = %q", got)
	}
}

func TestLoadFSWarnsOfQuestionListedTwice(t *testing.T) {
	twice := strings.Replace(goodEntry, "questions: [单位拖欠工资怎么办？]", "questions: [单位拖欠工资怎么办？, 单位拖欠工资，怎么办]", 1)
	if twice == goodEntry {
		t.Fatal("test entry has no such question")
	}
	fsys := fstest.MapFS{
		"categories.yaml":  {Data: []byte(testCategories)},
		"labor/wages.yaml": {Data: []byte(twice)},
	}
	_, problems, err := LoadFS(fsys, testNow)
	if err != nil {
		t.Fatalf("LoadFS: %v (a repeated question is a warning, not an error)", err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "text.zh.questions[1]") || !strings.Contains(problems[0].String(), "listed twice (also questions[0])") {
		t.Fatalf("problems = %v, want one warning about questions[1]", problems)
	}
}

func TestLoadFSWarnsOfSharedQuestions(t *testing.T) {
	other := strings.NewReplacer("labor-wages-unpaid", "labor-wages-late", "单位拖欠工资怎么办？", "单位拖欠工资 怎么办", "My employer has not paid my wages.", "Were my wages paid late").Replace(goodEntry)
	fsys := fstest.MapFS{
		"categories.yaml":  {Data: []byte(testCategories)},
		"labor/wages.yaml": {Data: []byte(goodEntry + other)},
	}
	_, problems, err := LoadFS(fsys, testNow)
	if err != nil {
		t.Fatalf("LoadFS: %v (a shared question is a warning, not an error)", err)
	}
	if len(problems) != 1 {
		t.Fatalf("problems = %v, want one warning", problems)
	}
	got := problems[0].String()
	for _, want := range []string{"labor/wages.yaml:", "text.zh.questions[0]", "labor-wages-late", "also a question of labor-wages-unpaid (labor/wages.yaml:1)", "warning"} {
		if !strings.Contains(got, want) {
			t.Errorf("problem %q lacks %q", got, want)
		}
	}
}
