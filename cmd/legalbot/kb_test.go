package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/legalbot/legalbot/knowledge"
)

// kbRun runs "legalbot kb ARGS…" with an empty environment (plus kv) and
// returns what it printed and its error.
func kbRun(t *testing.T, kv []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"legalbot", "kb"}, args...), func(k string) string { return m[k] },
		strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// loadDir loads a knowledge-base folder, failing the test on errors.
func loadDir(t *testing.T, dir string) *knowledge.KB {
	t.Helper()
	kb, _, err := knowledge.LoadFS(os.DirFS(dir), time.Now())
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return kb
}

func sameKB(t *testing.T, want, got *knowledge.KB) {
	t.Helper()
	if len(want.Entries) != len(got.Entries) {
		t.Fatalf("%d entries, want %d", len(got.Entries), len(want.Entries))
	}
	for _, e := range want.Entries {
		g := got.Entry(e.ID)
		if g == nil || !knowledge.SameEntry(e, g) {
			t.Errorf("entry %s differs after the round trip: %+v", e.ID, g)
		}
	}
}

// Export → import → identical entries, through every format.
func TestKbExportImportRoundTrip(t *testing.T) {
	builtin, _, err := knowledge.Builtin(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	yamlDir := filepath.Join(tmp, "yaml")
	if _, stderr, err := kbRun(t, nil, "export", "--format", "yaml", "--out", yamlDir); err != nil {
		t.Fatalf("export yaml: %v\n%s", err, stderr)
	}
	sameKB(t, builtin, loadDir(t, yamlDir))
	if _, err := os.Stat(filepath.Join(yamlDir, knowledge.LexiconFile)); err != nil {
		t.Errorf("the YAML export lacks the lexicon: %v", err)
	}

	for _, format := range []string{"jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(tmp, "kb."+format)
			if _, stderr, err := kbRun(t, nil, "export", "--format", format, "--out", file); err != nil {
				t.Fatalf("export: %v\n%s", err, stderr)
			}
			// Into a folder with only the categories…
			into := filepath.Join(tmp, "into-"+format)
			os.MkdirAll(into, 0o755)
			cats, _ := os.ReadFile(filepath.Join(yamlDir, knowledge.CategoriesFile))
			os.WriteFile(filepath.Join(into, knowledge.CategoriesFile), cats, 0o644)
			out, _, err := kbRun(t, nil, "import", file, "--into", into)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if !strings.Contains(out, "new, 0 replaced") {
				t.Errorf("import said %q", out)
			}
			sameKB(t, builtin, loadDir(t, into))
			// …and again: every entry is replaced by itself, nothing changes.
			before := readTree(t, into)
			if out, _, err := kbRun(t, nil, "import", "--into", into, file); err != nil || !strings.Contains(out, " 0 new") {
				t.Fatalf("second import: %v\n%s", err, out)
			}
			if after := readTree(t, into); !equalTrees(before, after) {
				t.Errorf("re-importing the same entries changed files")
			}
			// The export of the imported folder is the export we started from.
			exported, _, err := kbRun(t, nil, "export", "--format", format, "--dir", into)
			if err != nil {
				t.Fatal(err)
			}
			orig, _ := os.ReadFile(file)
			if format == "jsonl" && exported != string(orig) {
				t.Errorf("re-export differs from the first export")
			}
		})
	}

	t.Run("yaml folder into an empty one", func(t *testing.T) {
		into := filepath.Join(tmp, "empty")
		os.MkdirAll(into, 0o755)
		if out, _, err := kbRun(t, nil, "import", yamlDir, "--into", into); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		sameKB(t, builtin, loadDir(t, into))
	})
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			m[p] = string(data)
		}
		return err
	})
	return m
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A file with any problem imports nothing, and every problem is reported
// with its file, line and field.
func TestKbImportAllOrNothing(t *testing.T) {
	tmp := t.TempDir()
	into := filepath.Join(tmp, "kb")
	if _, _, err := kbRun(t, nil, "export", "--format", "yaml", "--out", into); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, into)
	in := filepath.Join(tmp, "in.jsonl")
	os.WriteFile(in, []byte(`{"id":"labor-new","lang":"zh","category":"labor","questions":["新问题"],"answer":"答。"}
{"id":"labor-new","lang":"en","category":"labor","questions":["New question"],"answer":"Answer."}
{"id":"labor-bad","lang":"zh","category":"taxes","questions":["问"],"answer":"答","citations":[{"law":"民法典","article":"第条"}]}
`), 0o644)
	out, _, err := kbRun(t, nil, "import", in, "--into", into)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		in + `:3: citations[0].article (labor-bad): invalid article number "第条"`,
		in + `:3: category (labor-bad): unknown category "taxes"`,
		in + ":3: text.en (labor-bad): missing translation",
		"nothing imported",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !equalTrees(before, readTree(t, into)) {
		t.Error("a failed import changed files")
	}
	// Without the bad entry the good one goes in, next to its category.
	os.WriteFile(in, []byte(strings.SplitAfterN(mustRead(t, in), "\n", 3)[0]+strings.SplitAfterN(mustRead(t, in), "\n", 3)[1]), 0o644)
	if out, _, err := kbRun(t, nil, "import", in, "--into", into, "--dry-run"); err != nil || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if !equalTrees(before, readTree(t, into)) {
		t.Error("a dry run changed files")
	}
	if out, _, err := kbRun(t, nil, "import", in, "--into", into); err != nil || !strings.Contains(out, "1 new, 0 replaced") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if kb := loadDir(t, into); kb.Entry("labor-new") == nil || kb.Entry("labor-new").Source.File != "labor/labor.yaml" {
		t.Errorf("labor-new not imported into labor/labor.yaml")
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestKbEval(t *testing.T) {
	tmp := t.TempDir()
	kbFile := filepath.Join(tmp, "cards.jsonl")
	os.WriteFile(kbFile, []byte(`{"id":"c1","lang":"zh","category":"x","questions":["房东不退押金怎么办"],"answer":"可以起诉要求退还押金。"}
{"id":"c2","lang":"zh","category":"y","questions":["公司拖欠工资怎么办"],"answer":"可以申请劳动仲裁。"}
`), 0o644)
	qFile := filepath.Join(tmp, "q.jsonl")
	os.WriteFile(qFile, []byte(`{"query":"房东不退押金怎么办","gold":["c1"]}
{"query":"公司拖欠工资怎么办","gold":["c2"]}
{"query":"今天天气怎么样","gold":[]}
`), 0o644)
	out, stderr, err := kbRun(t, nil, "eval", "--kb", kbFile, "--queries", qFile, "--json")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, stderr)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("--json printed more than one line:\n%s", out)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"n", "recall@1", "recall@3", "mrr@10", "answer_correct", "answer_wrong", "suggest_hit", "false_answer", "decline_ok", "p50_ms", "p99_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s in %s", k, out)
		}
	}
	if m["n"] != 3 || m["recall@1"] != 1 || m["decline_ok"] != 1 || m["false_answer"] != 0 {
		t.Errorf("metrics %v", m)
	}

	// The built-in knowledge base and a folder of queries, as text.
	out, stderr, err = kbRun(t, nil, "eval", "--queries", filepath.Join("..", "..", "knowledge", "testdata"))
	if err != nil {
		t.Fatalf("eval built-in: %v\n%s", err, stderr)
	}
	for _, want := range []string{"recall@1", "false_answer", "p99_ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}

	// A YAML folder brings its own lexicon.
	yamlDir := filepath.Join(tmp, "yaml")
	if _, _, err := kbRun(t, nil, "export", "--format", "yaml", "--out", yamlDir); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := kbRun(t, nil, "eval", "--kb", yamlDir, "--queries", qFile, "--failures"); err != nil {
		t.Fatalf("eval folder: %v\n%s", err, stderr)
	}

	if _, _, err := kbRun(t, nil, "eval", "--kb", kbFile); err == nil {
		t.Error("eval without --queries: want a usage error")
	}
}

func TestKbOverlap(t *testing.T) {
	out, stderr, err := kbRun(t, nil, "overlap", "--top", "2", "--examples", "1")
	if err != nil {
		t.Fatalf("overlap: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "questions held out in 5 folds") || !strings.Contains(out, " → ") || !strings.Contains(out, "more pairs") {
		t.Errorf("overlap on the built-in knowledge base:\n%s", out)
	}
	out, stderr, err = kbRun(t, nil, "overlap", "--json", "--folds", "3")
	if err != nil {
		t.Fatalf("overlap --json: %v\n%s", err, stderr)
	}
	var rep struct {
		Folds, Questions, Own int
		Confusions            []struct{ Entry, Rival string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// The built-in entries are told apart most of the time, not always.
	if rep.Folds != 3 || rep.Questions < 1000 || rep.Own < rep.Questions/2 || len(rep.Confusions) == 0 {
		t.Errorf("report: folds %d, %d of %d own, %d confusions", rep.Folds, rep.Own, rep.Questions, len(rep.Confusions))
	}
}

// A YAML knowledge-base folder brings its synonyms along: new groups are
// added, known ones gain their missing terms; a bad lexicon stops the whole
// import.
func TestKbImportMergesSynonyms(t *testing.T) {
	tmp := t.TempDir()
	into := filepath.Join(tmp, "kb")
	if _, _, err := kbRun(t, nil, "export", "--format", "yaml", "--out", into); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(tmp, "office")
	os.MkdirAll(filepath.Join(src, "labor"), 0o755)
	os.WriteFile(filepath.Join(src, "categories.yaml"), []byte("- id: labor\n  names: {zh: 劳动, en: Work}\n"), 0o644)
	os.WriteFile(filepath.Join(src, "labor", "x.yaml"), []byte(`- id: labor-office-x
  category: labor
  status: draft
  text:
    zh: {questions: [掌柜的不发工钱], answer: 答。}
    en: {questions: [The shopkeeper won't pay me], answer: Answer.}
`), 0o644)
	lex := filepath.Join(src, "synonyms.yaml")
	os.WriteFile(lex, []byte("- id: employer\n  terms: [老板, 掌柜的]\n- id: office-only\n  terms: [乡里话, dialect word]\n"), 0o644)
	before := readTree(t, into)
	out, _, err := kbRun(t, nil, "import", src, "--into", into)
	if err != nil || !strings.Contains(out, "synonyms: 1 groups added, 1 extended") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	merged := mustRead(t, filepath.Join(into, "synonyms.yaml"))
	if !strings.Contains(merged, "掌柜的]") || !strings.Contains(merged, "- id: office-only\n  terms: [乡里话, dialect word]") {
		t.Errorf("merged synonyms.yaml lacks the office's words:\n%s", merged[len(merged)-300:])
	}
	if !strings.HasPrefix(merged, before[filepath.Join(into, "synonyms.yaml")][:200]) {
		t.Error("the merge rewrote the lexicon's head (its comments)")
	}
	lx, err := knowledge.LoadLexicon(os.DirFS(into))
	if err != nil {
		t.Fatalf("merged lexicon: %v", err)
	}
	if got := knowledge.NewAnalyzer(lx).Terms("掌柜的不给钱"); !slices.Contains(got, "~employer") {
		t.Errorf("掌柜的 does not map to the employer concept: %v", got)
	}

	// A lexicon with a bad group: nothing is written.
	os.WriteFile(lex, []byte("- id: lonely\n  terms: [一个]\n"), 0o644)
	now := readTree(t, into)
	out, _, err = kbRun(t, nil, "import", src, "--into", into)
	if err == nil || !strings.Contains(out, lex+":2: terms (lonely): 1 terms: a group needs at least two") || !strings.Contains(out, "nothing imported") {
		t.Errorf("bad lexicon: %v\n%s", err, out)
	}
	if !equalTrees(now, readTree(t, into)) {
		t.Error("a failed import changed files")
	}
}
