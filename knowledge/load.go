package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with the knowledge base, located in its file.
type Problem struct {
	File  string
	Line  int
	Field string // e.g. "text.en.answer"; "" for the whole file
	ID    string // the entry's id, when known
	Msg   string
	// Warning marks problems that do not stop the knowledge base from
	// loading (a passed review date); all others are errors.
	Warning bool
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ": %s", p.Field)
	}
	if p.ID != "" {
		fmt.Fprintf(&b, " (%s)", p.ID)
	}
	if p.Warning {
		b.WriteString(": warning")
	}
	fmt.Fprintf(&b, ": %s", p.Msg)
	return b.String()
}

// Problems is a list of problems; as an error it reports the errors among them.
type Problems []Problem

// Errors returns only the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) Error() string {
	errs := ps.Errors()
	lines := make([]string, 0, len(errs))
	for _, p := range errs {
		lines = append(lines, p.String())
	}
	return fmt.Sprintf("%d problem(s) in the knowledge base:\n  %s", len(errs), strings.Join(lines, "\n  "))
}

// CategoriesFile is the name of the category list at the root of a knowledge-base folder.
const CategoriesFile = "categories.yaml"

// LoadFS loads a knowledge base from a folder: categories.yaml at its root
// and entry files (*.yaml, each a list of entries) in category folders. It
// returns the knowledge base and every problem found; the error is non-nil
// when any problem is an error (not a warning). now decides review dates.
func LoadFS(fsys fs.FS, now time.Time) (*KB, Problems, error) {
	var problems Problems
	cats, ps := loadCategories(fsys)
	problems = append(problems, ps...)
	known := map[string]bool{}
	for _, c := range cats {
		known[c.ID] = true
	}

	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Entry files live in category folders; root files are metadata.
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") && path.Dir(p) != "." {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, problems, fmt.Errorf("read knowledge base: %w", err)
	}
	sort.Strings(files)

	var entries []*Entry
	var located []LocatedEntry
	seen := map[string]Problem{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, problems, fmt.Errorf("read %s: %w", f, err)
		}
		es, ps := ParseYAML(f, data)
		problems = append(problems, ps...)
		for _, le := range es {
			e := le.Entry
			if first, dup := seen[e.ID]; dup {
				problems = append(problems, Problem{File: f, Line: le.Line, Field: "id", ID: e.ID,
					Msg: fmt.Sprintf("duplicate id, first defined at %s:%d", first.File, first.Line)})
				continue
			}
			seen[e.ID] = Problem{File: f, Line: le.Line}
			problems = append(problems, CheckEntry(le, known, now)...)
			if dir := path.Dir(f); dir != "." && path.Base(dir) != e.Category && known[e.Category] {
				problems = append(problems, Problem{File: f, Line: le.fieldLine("category"), Field: "category", ID: e.ID,
					Msg: fmt.Sprintf("entry of category %q is filed under folder %q", e.Category, dir), Warning: true})
			}
			entries = append(entries, e)
			located = append(located, le)
		}
	}
	problems = append(problems, CheckSharedQuestions(located)...)
	kb := NewKB(cats, entries)
	if len(problems.Errors()) > 0 {
		return kb, problems, problems
	}
	return kb, problems, nil
}

func loadCategories(fsys fs.FS) ([]Category, Problems) {
	data, err := fs.ReadFile(fsys, CategoriesFile)
	if err != nil {
		return nil, Problems{{File: CategoriesFile, Msg: "missing: every knowledge base needs its category list"}}
	}
	var cats []Category
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{yamlProblem(CategoriesFile, err)}
	}
	if err := root.Decode(&cats); err != nil {
		return nil, Problems{yamlProblem(CategoriesFile, err)}
	}
	var ps Problems
	for i, c := range cats {
		if c.ID == "" {
			ps = append(ps, Problem{File: CategoriesFile, Line: itemLine(&root, i), Field: "id", Msg: "category without id"})
		}
	}
	return cats, ps
}

// LocatedEntry is an entry with where its fields are in its file.
type LocatedEntry struct {
	Entry *Entry
	File  string
	Line  int
	// lines maps a field path ("text.zh.answer") to its line.
	lines map[string]int
}

func (le LocatedEntry) fieldLine(field string) int {
	for f := field; f != ""; {
		if l, ok := le.lines[f]; ok {
			return l
		}
		i := strings.LastIndex(f, ".")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return le.Line
}

var (
	entryFields    = []string{"id", "category", "status", "updated", "reviewed_by", "review_by", "tags", "citations", "text"}
	textFields     = []string{"questions", "answer"}
	citationFields = []string{"law", "article", "effective"}
)

// yamlList parses a file that holds a YAML list and returns the list's
// node: nil, with the problem, when the file is not YAML or not a list
// (notList says what it should be), nil without one when it is empty.
func yamlList(file string, data []byte, notList string) (*yaml.Node, Problems) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{yamlProblem(file, err)}
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	list := root.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, Problems{{File: file, Line: list.Line, Msg: notList}}
	}
	return list, nil
}

// ParseYAML parses one entry file (a YAML list of entries). Problems are
// syntax errors, unknown or ill-typed fields; semantic checks are CheckEntry's.
func ParseYAML(file string, data []byte) ([]LocatedEntry, Problems) {
	list, ps := yamlList(file, data, "an entry file must be a YAML list of entries (each item starting with \"- id: …\")")
	if list == nil {
		return nil, ps
	}
	var out []LocatedEntry
	var problems Problems
	for _, item := range list.Content {
		le := LocatedEntry{File: file, Line: item.Line, lines: map[string]int{}}
		if item.Kind != yaml.MappingNode {
			problems = append(problems, Problem{File: file, Line: item.Line, Msg: "list item is not an entry (a mapping with id, category, text…)"})
			continue
		}
		id := scalarField(item, "id")
		ps := checkFields(file, id, item, "", entryFields, le.lines)
		if text := mapField(item, "text"); text != nil {
			for i := 0; i+1 < len(text.Content); i += 2 {
				lang, body := text.Content[i], text.Content[i+1]
				le.lines["text."+lang.Value] = lang.Line
				ps = append(ps, checkFields(file, id, body, "text."+lang.Value, textFields, le.lines)...)
			}
		}
		if cits := mapField(item, "citations"); cits != nil && cits.Kind == yaml.SequenceNode {
			for i, c := range cits.Content {
				ps = append(ps, checkFields(file, id, c, fmt.Sprintf("citations[%d]", i), citationFields, le.lines)...)
			}
		}
		var e Entry
		if err := item.Decode(&e); err != nil {
			// The entry is unusable; report where, and which field.
			p := yamlProblem(file, err)
			p.ID = id
			for f, l := range le.lines {
				if l == p.Line && (p.Field == "" || len(f) > len(p.Field)) {
					p.Field = f
				}
			}
			problems = append(problems, append(ps, p)...)
			continue
		}
		problems = append(problems, ps...)
		e.Source = Source{File: file, Line: item.Line}
		le.Entry = &e
		out = append(out, le)
	}
	return out, problems
}

// checkFields reports keys of a mapping that are not in known, and records
// the line of every key under prefix.
func checkFields(file, id string, n *yaml.Node, prefix string, known []string, lines map[string]int) Problems {
	if n.Kind != yaml.MappingNode {
		return Problems{{File: file, Line: n.Line, Field: prefix, ID: id, Msg: "must be a mapping"}}
	}
	var ps Problems
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		field := k.Value
		if prefix != "" {
			field = prefix + "." + k.Value
		}
		lines[field] = k.Line
		if !slices.Contains(known, k.Value) {
			ps = append(ps, Problem{File: file, Line: k.Line, Field: field, ID: id,
				Msg: fmt.Sprintf("unknown field (known: %s)", strings.Join(known, ", "))})
		}
	}
	if _, ok := lines[prefix]; !ok && prefix != "" {
		lines[prefix] = n.Line
	}
	return ps
}

func scalarField(m *yaml.Node, key string) string {
	if n := mapField(m, key); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

func mapField(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func itemLine(root *yaml.Node, i int) int {
	if len(root.Content) > 0 && i < len(root.Content[0].Content) {
		return root.Content[0].Content[i].Line
	}
	return 0
}

// yamlProblem turns a yaml error ("yaml: line 7: …") into a located problem.
func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			fmt.Sscanf(rest[:i], "%d", &line)
			msg = strings.TrimSpace(rest[i+1:])
		}
	}
	return Problem{File: file, Line: line, Msg: msg}
}

// CheckEntry reports what is wrong with one parsed entry: missing fields,
// an unknown category or status, a language without questions or answer,
// a published entry lacking zh or en, a passed review date (a warning).
func CheckEntry(le LocatedEntry, categories map[string]bool, now time.Time) Problems {
	e := le.Entry
	var ps Problems
	bad := func(field, format string, args ...any) {
		ps = append(ps, Problem{File: le.File, Line: le.fieldLine(field), Field: field, ID: e.ID, Msg: fmt.Sprintf(format, args...)})
	}
	if e.ID == "" {
		bad("id", "missing")
	} else if strings.ContainsAny(e.ID, " \t:/") || len(e.ID) > 48 {
		bad("id", "must be at most 48 characters without spaces, ':' or '/'")
	}
	switch {
	case e.Category == "":
		bad("category", "missing")
	case !categories[e.Category]:
		bad("category", "unknown category %q (see %s)", e.Category, CategoriesFile)
	}
	switch e.Status {
	case Draft, Published, Archived:
	case "":
		bad("status", "missing (draft, published or archived)")
	default:
		bad("status", "unknown status %q (draft, published or archived)", e.Status)
	}
	if len(e.Text) == 0 {
		bad("text", "missing: an entry needs text in at least one language")
	}
	for lang, t := range e.Text {
		if !validLang(lang) {
			bad("text."+lang, "language must be a code like zh, en or ug")
		}
		if len(t.Questions) == 0 || strings.TrimSpace(t.Questions[0]) == "" {
			bad("text."+lang+".questions", "missing")
		}
		if strings.TrimSpace(t.Answer) == "" {
			bad("text."+lang+".answer", "missing")
		}
	}
	if e.Status == Published {
		for _, lang := range []string{"zh", "en"} {
			if _, ok := e.Text[lang]; !ok {
				bad("text."+lang, "missing translation: published entries need zh and en")
			}
		}
	}
	for i, c := range e.Citations {
		f := fmt.Sprintf("citations[%d]", i)
		if strings.TrimSpace(c.Law) == "" {
			bad(f+".law", "missing")
		}
		if c.Article <= 0 {
			bad(f+".article", "missing")
		}
	}
	if !e.ReviewBy.IsZero() && e.Status == Published && now.After(e.ReviewBy.AddDate(0, 0, 1)) {
		ps = append(ps, Problem{File: le.File, Line: le.fieldLine("review_by"), Field: "review_by", ID: e.ID,
			Msg: fmt.Sprintf("review date %s has passed", e.ReviewBy), Warning: true})
	}
	return ps
}

// CheckSharedQuestions warns of a question that two published entries both
// list (ignoring case, spaces and punctuation): the search cannot tell them
// apart on it, so citizens asking it get a choice instead of an answer. A
// question an entry lists twice is reported too (a slip of editing).
func CheckSharedQuestions(entries []LocatedEntry) Problems {
	var ps Problems
	type listed struct {
		le LocatedEntry
		i  int
	}
	first := map[string]listed{}
	for _, le := range entries {
		e := le.Entry
		if e.Status != Published {
			continue
		}
		for _, lang := range e.Languages() {
			for i, q := range e.Text[lang].Questions {
				key := lang + "\x00" + questionKey(q)
				prev, ok := first[key]
				if !ok {
					first[key] = listed{le, i}
					continue
				}
				f := fmt.Sprintf("text.%s.questions[%d]", lang, i)
				msg := fmt.Sprintf("question %q is also a question of %s (%s:%d)", q, prev.le.Entry.ID, prev.le.File, prev.le.Line)
				if prev.le.Entry.ID == e.ID {
					msg = fmt.Sprintf("question %q is listed twice (also questions[%d])", q, prev.i)
				}
				ps = append(ps, Problem{File: le.File, Line: le.fieldLine("text." + lang + ".questions"), Field: f, ID: e.ID, Warning: true, Msg: msg})
			}
		}
	}
	return ps
}

// questionKey is a question with case, spaces and punctuation ignored.
func questionKey(q string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, q)
}

func validLang(l string) bool {
	if len(l) < 2 || len(l) > 8 {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}
