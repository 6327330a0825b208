package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseLexiconReportsLineAndField(t *testing.T) {
	_, ps := ParseLexicon("synonyms.yaml", []byte(`- id: wages
  terms: [工资, wage]
- id: wages
  terms: [薪水, salary]
- terms: [老板, boss]
- id: lonely
  terms: [一个]
- id: extra
  terms: [a, b]
  note: x
`))
	want := []string{
		"synonyms.yaml:3: id (wages): duplicate group id, first at line 1",
		"synonyms.yaml:5: id: missing",
		"synonyms.yaml:7: terms (lonely): 1 terms: a group needs at least two",
		"synonyms.yaml:10: note (extra): unknown field (a group has id and terms)",
	}
	if len(ps) != len(want) {
		t.Fatalf("problems:\n%v", ps)
	}
	for i, w := range want {
		if ps[i].String() != w {
			t.Errorf("problem %d: %q, want %q", i, ps[i].String(), w)
		}
	}
	if _, ps := ParseLexicon("s.yaml", []byte("- id: a\n  terms: [x, y\n")); len(ps) != 1 || ps[0].Line == 0 {
		t.Errorf("syntax error: %v, want one problem with its line", ps)
	}
	if _, err := LoadLexicon(fstest.MapFS{LexiconFile: {Data: []byte("- id: a\n  terms: [x]\n")}}); err == nil || !strings.Contains(err.Error(), "synonyms.yaml:2: terms (a)") {
		t.Errorf("LoadLexicon of a bad file: %v", err)
	}
}

func TestMergeLexicon(t *testing.T) {
	target := fstest.MapFS{LexiconFile: {Data: []byte(`# Our words.
- id: employer
  terms: [老板, employer]
`)}}
	data, added, extended, err := MergeLexicon(target, []SynonymGroup{
		{ID: "employer", Terms: []string{"老板", "Employer", "东家"}},
		{ID: "wages", Terms: []string{"工资", "wage"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if added != 1 || extended != 1 {
		t.Errorf("added %d, extended %d; want 1 and 1", added, extended)
	}
	want := "# Our words.\n- id: employer\n  terms: [老板, employer, 东家]\n- id: wages\n  terms: [工资, wage]\n"
	if string(data) != want {
		t.Errorf("merged file:\n%s\nwant:\n%s", data, want)
	}
	groups, ps := ParseLexicon(LexiconFile, data)
	if len(ps) > 0 || len(groups) != 2 {
		t.Errorf("the merged file does not parse back: %v %v", groups, ps)
	}
	// Nothing new: no file to write.
	target[LexiconFile] = &fstest.MapFile{Data: data}
	if data, added, extended, err := MergeLexicon(target, groups); data != nil || added+extended != 0 || err != nil {
		t.Errorf("merging the same groups again: %q, %d, %d, %v", data, added, extended, err)
	}
	// No lexicon yet: the groups make one.
	data, added, _, err = MergeLexicon(fstest.MapFS{}, groups[1:])
	if err != nil || added != 1 || string(data) != "- id: wages\n  terms: [工资, wage]\n" {
		t.Errorf("into no lexicon: %q, %d, %v", data, added, err)
	}
}
