package knowledge

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"
)

// The interchange format moves entries in and out of spreadsheets and other
// systems. One record is one entry in one language:
//
//	{"id","lang","category","questions":[…],"answer","citations":[{"law","article","effective"}],
//	 "tags":[…],"status","updated","reviewed_by","review_by"}
//
// Records with the same id and different languages are translations of one
// entry and merge into one Entry. JSONL holds one record a line; CSV has the
// same columns under a required header row, with questions one a line inside
// the cell (or separated by " | "), citations as "劳动合同法 第三十条;
// 民法典 第一千零七十九条" and tags separated by ",". A record without status
// is published.

// record is one line of the interchange format.
type record struct {
	ID         string           `json:"id"`
	Lang       string           `json:"lang"`
	Category   string           `json:"category"`
	Questions  []string         `json:"questions"`
	Answer     string           `json:"answer"`
	Citations  []citationRecord `json:"citations,omitempty"`
	Tags       []string         `json:"tags,omitempty"`
	Status     Status           `json:"status,omitempty"`
	Updated    string           `json:"updated,omitempty"`
	ReviewedBy string           `json:"reviewed_by,omitempty"`
	ReviewBy   string           `json:"review_by,omitempty"`
}

// citationRecord is a citation as the interchange format writes it: the
// article as 第三十条 (a number is accepted on input).
type citationRecord struct {
	Law       string          `json:"law"`
	Article   json.RawMessage `json:"article"`
	Effective string          `json:"effective,omitempty"`
}

var recordFields = []string{"id", "lang", "category", "questions", "answer", "citations", "tags", "status", "updated", "reviewed_by", "review_by"}

// located is a record with where its fields are.
type located struct {
	rec   record
	line  int
	lines map[string]int // field → line, for CSV cells spanning lines
	// cits holds the parsed citations, filled by the reader.
	cits []Citation
}

func (l located) fieldLine(f string) int {
	if n, ok := l.lines[f]; ok {
		return n
	}
	return l.line
}

// ParseJSONL reads interchange records, one JSON object a line, and merges
// translations into entries (in the order their ids first appear). Problems
// name the file, the line and the field; an entry with problems of its own
// is still returned when it could be read, so a caller sees every problem at
// once. Blank lines are skipped.
func ParseJSONL(file string, data []byte) ([]LocatedEntry, Problems) {
	var recs []located
	var problems Problems
	err := eachLine(data, func(n int, line []byte) {
		l, ps := decodeJSONRecord(file, n, line)
		problems = append(problems, ps...)
		if l != nil {
			recs = append(recs, *l)
		}
	})
	if err != nil {
		problems = append(problems, Problem{File: file, Msg: err.Error()})
	}
	entries, ps := mergeRecords(file, recs)
	return entries, append(problems, ps...)
}

func decodeJSONRecord(file string, n int, line []byte) (*located, Problems) {
	bad := func(field, format string, args ...any) Problems {
		return Problems{{File: file, Line: n, Field: field, Msg: fmt.Sprintf(format, args...)}}
	}
	// Unknown keys are reported by name: a typo must not drop a field silently.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, bad("", "not a JSON object: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	var ps Problems
	var id string
	json.Unmarshal(raw["id"], &id)
	for k := range raw {
		if !slices.Contains(recordFields, k) {
			p := bad(k, "unknown field (known: %s)", strings.Join(recordFields, ", "))
			p[0].ID = id
			ps = append(ps, p...)
		}
	}
	l := &located{line: n}
	for _, f := range recordFields {
		v, ok := raw[f]
		if !ok || string(v) == "null" {
			continue
		}
		var err error
		switch f {
		case "id":
			err = json.Unmarshal(v, &l.rec.ID)
		case "lang":
			err = json.Unmarshal(v, &l.rec.Lang)
		case "category":
			err = json.Unmarshal(v, &l.rec.Category)
		case "questions":
			err = json.Unmarshal(v, &l.rec.Questions)
		case "answer":
			err = json.Unmarshal(v, &l.rec.Answer)
		case "citations":
			err = json.Unmarshal(v, &l.rec.Citations)
		case "tags":
			err = json.Unmarshal(v, &l.rec.Tags)
		case "status":
			err = json.Unmarshal(v, &l.rec.Status)
		case "updated":
			err = json.Unmarshal(v, &l.rec.Updated)
		case "reviewed_by":
			err = json.Unmarshal(v, &l.rec.ReviewedBy)
		case "review_by":
			err = json.Unmarshal(v, &l.rec.ReviewBy)
		}
		if err != nil {
			p := bad(f, "%s", typeMessage(f, err))
			p[0].ID = id
			ps = append(ps, p...)
		}
	}
	for i, c := range l.rec.Citations {
		f := fmt.Sprintf("citations[%d]", i)
		art, ok := articleText(c.Article)
		cit := Citation{Law: strings.TrimSpace(c.Law)}
		if !ok {
			ps = append(ps, Problem{File: file, Line: n, Field: f + ".article", ID: id, Msg: "must be a string like 第三十条 or a number"})
		} else if art != "" {
			v, err := ParseArticle(art)
			if err != nil {
				ps = append(ps, Problem{File: file, Line: n, Field: f + ".article", ID: id, Msg: err.Error()})
			}
			cit.Article = ArticleNumber(v)
		}
		if c.Effective != "" {
			d, err := ParseDate(c.Effective)
			if err != nil {
				ps = append(ps, Problem{File: file, Line: n, Field: f + ".effective", ID: id, Msg: err.Error()})
			}
			cit.Effective = d
		}
		l.cits = append(l.cits, cit)
	}
	return l, ps
}

// typeMessage explains a JSON type mismatch in the file's terms.
func typeMessage(field string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := map[string]string{"questions": "a list of strings", "tags": "a list of strings", "citations": "a list of {law, article}"}[field]
		if want == "" {
			want = "a string"
		}
		return fmt.Sprintf("must be %s, got %s", want, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func articleText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// mergeRecords turns records into entries: the records of one id are its
// translations and must agree on the entry's own fields.
func mergeRecords(file string, recs []located) ([]LocatedEntry, Problems) {
	var problems Problems
	var out []LocatedEntry
	byID := map[string]int{}
	for _, l := range recs {
		r := l.rec
		bad := func(field, format string, args ...any) {
			problems = append(problems, Problem{File: file, Line: l.fieldLine(field), Field: field, ID: r.ID, Msg: fmt.Sprintf(format, args...)})
		}
		id := strings.TrimSpace(r.ID)
		if id == "" {
			bad("id", "missing")
			continue
		}
		lang := strings.TrimSpace(r.Lang)
		if lang == "" {
			bad("lang", "missing (a language code like zh or en)")
			continue
		}
		i, seen := byID[id]
		if !seen {
			i = len(out)
			byID[id] = i
			out = append(out, LocatedEntry{
				Entry: &Entry{ID: id, Text: map[string]Text{}, Source: Source{File: file, Line: l.line}},
				File:  file, Line: l.line, lines: map[string]int{},
			})
		}
		le := &out[i]
		e := le.Entry
		if _, dup := e.Text[lang]; dup {
			bad("lang", "duplicate language %q for id %s, first at line %d", lang, id, le.lines["text."+lang])
			continue
		}
		le.lines["text."+lang] = l.line
		le.lines["text."+lang+".questions"] = l.fieldLine("questions")
		le.lines["text."+lang+".answer"] = l.fieldLine("answer")
		var qs []string
		for _, q := range r.Questions {
			if q = strings.TrimSpace(q); q != "" {
				qs = append(qs, q)
			}
		}
		e.Text[lang] = Text{Questions: qs, Answer: r.Answer}

		agree := func(field string, have *string, v string) {
			v = strings.TrimSpace(v)
			switch {
			case v == "":
			case *have == "":
				*have = v
				le.lines[field] = l.fieldLine(field)
			case *have != v:
				bad(field, "%q differs from %q given for id %s at line %d", v, *have, id, le.fieldLine(field))
			}
		}
		agree("category", &e.Category, r.Category)
		status := string(e.Status)
		agree("status", &status, string(r.Status))
		e.Status = Status(status)
		agree("reviewed_by", &e.ReviewedBy, r.ReviewedBy)
		for _, d := range []struct {
			field string
			dst   *Date
			v     string
		}{{"updated", &e.Updated, r.Updated}, {"review_by", &e.ReviewBy, r.ReviewBy}} {
			if strings.TrimSpace(d.v) == "" {
				continue
			}
			v, err := ParseDate(d.v)
			if err != nil {
				bad(d.field, "%v", err)
				continue
			}
			have := d.dst.String()
			agree(d.field, &have, v.String())
			*d.dst, _ = ParseDate(have)
		}
		// Tags and citations belong to the entry; a translation may repeat
		// them (as the exporter does) or add its own.
		for _, t := range r.Tags {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(e.Tags, t) {
				e.Tags = append(e.Tags, t)
			}
		}
		if _, ok := le.lines["tags"]; !ok && len(r.Tags) > 0 {
			le.lines["tags"] = l.fieldLine("tags")
		}
		for j, c := range l.cits {
			if !slices.Contains(e.Citations, c) {
				le.lines[fmt.Sprintf("citations[%d]", len(e.Citations))] = l.fieldLine(fmt.Sprintf("citations[%d]", j))
				e.Citations = append(e.Citations, c)
			}
		}
	}
	for _, le := range out {
		if le.Entry.Status == "" {
			le.Entry.Status = Published
		}
	}
	return out, problems
}

// CheckImported reports what is wrong with interchange entries for a
// knowledge base: the problems LoadFS would find (unknown category, missing
// translation, …) and nothing else. It is the strict check behind
// "legalbot kb import"; evaluation data uses CheckRecords.
func CheckImported(entries []LocatedEntry, categories map[string]bool, now time.Time) Problems {
	var ps Problems
	for _, le := range entries {
		ps = append(ps, CheckEntry(le, categories, now)...)
	}
	return append(ps, CheckSharedQuestions(entries)...)
}

// CheckRecords is the lenient check for data that is only searched (an
// evaluation set): every language needs questions and an answer, and the
// id must be usable; categories and translations are not required.
func CheckRecords(entries []LocatedEntry) Problems {
	var ps Problems
	for _, le := range entries {
		for _, p := range CheckEntry(le, nil, time.Time{}) {
			switch {
			case p.Field == "category":
			case strings.HasPrefix(p.Msg, "missing translation"):
			default:
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// KBFromRecords builds a knowledge base from interchange entries that bring
// no category list: the categories are those the entries name, in order of
// first use, named by their ids.
func KBFromRecords(entries []LocatedEntry) *KB {
	var cats []Category
	seen := map[string]bool{}
	es := make([]*Entry, 0, len(entries))
	for _, le := range entries {
		if c := le.Entry.Category; c != "" && !seen[c] {
			seen[c] = true
			cats = append(cats, Category{ID: c, Names: map[string]string{}})
		}
		es = append(es, le.Entry)
	}
	return NewKB(cats, es)
}

// records splits an entry into interchange records, one per language in
// sorted order, each carrying the entry's own fields.
func records(e *Entry) []record {
	var cits []citationRecord
	for _, c := range e.Citations {
		art, _ := json.Marshal(c.Article.String())
		cits = append(cits, citationRecord{Law: c.Law, Article: art, Effective: c.Effective.String()})
	}
	var out []record
	for _, lang := range e.Languages() {
		t := e.Text[lang]
		out = append(out, record{
			ID: e.ID, Lang: lang, Category: e.Category, Questions: t.Questions, Answer: t.Answer,
			Citations: cits, Tags: e.Tags, Status: e.Status, Updated: e.Updated.String(),
			ReviewedBy: e.ReviewedBy, ReviewBy: e.ReviewBy.String(),
		})
	}
	return out
}

// WriteJSONL writes entries in the interchange format, one line per entry
// and language. Nothing is lost: ParseJSONL reads back equal entries.
func WriteJSONL(w io.Writer, entries []*Entry) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		for _, r := range records(e) {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("write %s: %w", e.ID, err)
			}
		}
	}
	return bw.Flush()
}

// CSVColumns are the columns of the CSV interchange format, in the order
// WriteCSV writes them. A file may order them freely and leave out optional
// ones; id, lang, questions and answer are required.
var CSVColumns = recordFields

// CSV cells that hold lists.
const (
	csvQuestionSep = " | "
	csvCitationSep = "; "
	csvTagSep      = ","
)

// ParseCSV reads the CSV interchange format (header row required) and merges
// translations into entries as ParseJSONL does. Lines in problems are the
// file's lines, also inside multi-line cells.
func ParseCSV(file string, data []byte) ([]LocatedEntry, Problems) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets write a BOM
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, Problems{{File: file, Line: 1, Msg: "empty file: a header row is required (" + strings.Join(CSVColumns, ",") + ")"}}
		}
		return nil, Problems{csvProblem(file, err)}
	}
	var problems Problems
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(recordFields, h):
			problems = append(problems, Problem{File: file, Line: 1, Field: h, Msg: fmt.Sprintf("unknown column (known: %s)", strings.Join(CSVColumns, ", "))})
		case col[h] > 0:
			problems = append(problems, Problem{File: file, Line: 1, Field: h, Msg: "duplicate column"})
		default:
			col[h] = i + 1 // 0 means absent
		}
	}
	for _, req := range []string{"id", "lang", "questions", "answer"} {
		if col[req] == 0 {
			problems = append(problems, Problem{File: file, Line: 1, Field: req, Msg: "missing column: the header row must name it"})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var recs []located
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, csvProblem(file, err))
			break
		}
		line, _ := r.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		l := located{line: line, lines: map[string]int{}}
		cell := func(name string) string {
			i := col[name] - 1
			if i < 0 || i >= len(row) {
				return ""
			}
			l.lines[name], _ = r.FieldPos(i)
			return row[i]
		}
		l.rec = record{
			ID: strings.TrimSpace(cell("id")), Lang: cell("lang"), Category: cell("category"),
			Questions: splitQuestions(cell("questions")), Answer: cell("answer"),
			Tags: splitList(cell("tags"), csvTagSep), Status: Status(cell("status")),
			Updated: cell("updated"), ReviewedBy: cell("reviewed_by"), ReviewBy: cell("review_by"),
		}
		if c := cell("citations"); strings.TrimSpace(c) != "" {
			cits, err := ParseCitations(c)
			if err != nil {
				problems = append(problems, Problem{File: file, Line: l.fieldLine("citations"), Field: "citations", ID: l.rec.ID, Msg: err.Error()})
			}
			l.cits = cits
		}
		recs = append(recs, l)
	}
	entries, ps := mergeRecords(file, recs)
	return entries, append(problems, ps...)
}

func csvProblem(file string, err error) Problem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Problem{File: file, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return Problem{File: file, Msg: err.Error()}
}

// splitQuestions reads a questions cell: one a line, or separated by " | ".
func splitQuestions(s string) []string {
	if strings.Contains(s, "\n") {
		return splitList(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	}
	return splitList(s, "|")
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseCitations reads citations written as in a CSV cell:
// "劳动合同法 第三十条; 民法典 第一千零七十九条" (";" or "；" between them, the
// article as 第…条 or a number after the last space, an optional effective
// date in brackets at the end: "民法典 第七百零三条 (2021-01-01)").
func ParseCitations(s string) ([]Citation, error) {
	var out []Citation
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var c Citation
		if m := effectiveSuffix.FindStringSubmatchIndex(part); m != nil {
			d, err := ParseDate(part[m[2]:m[3]])
			if err != nil {
				return out, fmt.Errorf("citation %q: effective date: %v", part, err)
			}
			c.Effective = d
			part = strings.TrimSpace(part[:m[0]])
		}
		law, art, ok := splitCitation(part)
		if !ok {
			return out, fmt.Errorf("citation %q: want the law and the article, like 劳动合同法 第三十条", part)
		}
		v, err := ParseArticle(art)
		if err != nil {
			return out, fmt.Errorf("citation %q: %v", part, err)
		}
		if strings.HasPrefix(law, "《") && strings.HasSuffix(law, "》") && strings.Count(law, "《") == 1 {
			law = strings.TrimSuffix(strings.TrimPrefix(law, "《"), "》")
		}
		c.Law, c.Article = law, ArticleNumber(v)
		out = append(out, c)
	}
	return out, nil
}

// effectiveSuffix matches "(2021-01-01)" or "（2021-01-01）" closing a citation.
var effectiveSuffix = regexp.MustCompile(`[(（]\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})\s*[)）]$`)

// splitCitation separates "劳动合同法 第三十条" (or "《劳动合同法》第三十条",
// "劳动合同法 30") into the law and the article.
func splitCitation(s string) (law, article string, ok bool) {
	if i := strings.LastIndex(s, "第"); i > 0 && strings.HasSuffix(s, "条") {
		return strings.TrimSpace(s[:i]), s[i:], true
	}
	if i := strings.LastIndexAny(s, " \t"); i > 0 {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
	}
	if i := strings.LastIndex(s, "》"); i > 0 {
		return strings.TrimSpace(s[:i+len("》")]), strings.TrimSpace(s[i+len("》"):]), true
	}
	return "", "", false
}

// FormatCitations writes citations as ParseCitations reads them.
func FormatCitations(cs []Citation) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Law + " " + c.Article.String()
		if !c.Effective.IsZero() {
			parts[i] += " (" + c.Effective.String() + ")"
		}
	}
	return strings.Join(parts, csvCitationSep)
}

// WriteCSV writes entries in the CSV interchange format with a header row,
// one row per entry and language, questions one a line inside their cell.
// It refuses what the format could not read back (a tag with a comma, a
// question spanning lines).
func WriteCSV(w io.Writer, entries []*Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, e := range entries {
		for _, t := range e.Tags {
			if strings.Contains(t, csvTagSep) {
				return fmt.Errorf("write %s: tag %q contains %q, which CSV separates tags with", e.ID, t, csvTagSep)
			}
		}
		for _, c := range e.Citations {
			back, err := ParseCitations(FormatCitations([]Citation{c}))
			if err != nil || len(back) != 1 || back[0] != c {
				return fmt.Errorf("write %s: citation %q cannot be written in a CSV cell", e.ID, c)
			}
		}
		for _, r := range records(e) {
			for _, q := range r.Questions {
				if strings.ContainsAny(q, "\r\n") {
					return fmt.Errorf("write %s: question %q spans lines", e.ID, q)
				}
			}
			row := make([]string, len(CSVColumns))
			for i, c := range CSVColumns {
				switch c {
				case "id":
					row[i] = r.ID
				case "lang":
					row[i] = r.Lang
				case "category":
					row[i] = r.Category
				case "questions":
					row[i] = strings.Join(r.Questions, "\n")
				case "answer":
					row[i] = r.Answer
				case "citations":
					row[i] = FormatCitations(e.Citations)
				case "tags":
					row[i] = strings.Join(r.Tags, csvTagSep)
				case "status":
					row[i] = string(r.Status)
				case "updated":
					row[i] = r.Updated
				case "reviewed_by":
					row[i] = r.ReviewedBy
				case "review_by":
					row[i] = r.ReviewBy
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ParseInterchange reads a JSONL (.jsonl, .ndjson) or CSV (.csv) file, by its
// extension.
func ParseInterchange(file string, data []byte) ([]LocatedEntry, Problems) {
	switch strings.ToLower(path.Ext(file)) {
	case ".jsonl", ".ndjson", ".json":
		return ParseJSONL(file, data)
	case ".csv":
		return ParseCSV(file, data)
	}
	return nil, Problems{{File: file, Msg: "unknown format: want a .jsonl or .csv file"}}
}

// yamlEntry is an entry as the YAML files write it, fields in the order of
// knowledge/data/README.md, empty ones left out.
type yamlEntry struct {
	ID         string              `yaml:"id"`
	Category   string              `yaml:"category"`
	Status     Status              `yaml:"status,omitempty"`
	Updated    string              `yaml:"updated,omitempty"`
	ReviewedBy string              `yaml:"reviewed_by,omitempty"`
	ReviewBy   string              `yaml:"review_by,omitempty"`
	Tags       []string            `yaml:"tags,omitempty"`
	Citations  []yamlCitation      `yaml:"citations,omitempty"`
	Text       map[string]yamlText `yaml:"text"`
}

type yamlCitation struct {
	Law       string `yaml:"law"`
	Article   int    `yaml:"article"`
	Effective string `yaml:"effective,omitempty"`
}

type yamlText struct {
	Questions []string `yaml:"questions"`
	Answer    string   `yaml:"answer"`
}

// EntryNode encodes an entry as a YAML node in the style of the curated
// files: tags in flow style, answers of several lines as literal blocks.
func EntryNode(e *Entry) (*yaml.Node, error) {
	ye := yamlEntry{ID: e.ID, Category: e.Category, Status: e.Status, Updated: e.Updated.String(),
		ReviewedBy: e.ReviewedBy, ReviewBy: e.ReviewBy.String(), Tags: e.Tags, Text: map[string]yamlText{}}
	for _, c := range e.Citations {
		ye.Citations = append(ye.Citations, yamlCitation{Law: c.Law, Article: int(c.Article), Effective: c.Effective.String()})
	}
	for l, t := range e.Text {
		ye.Text[l] = yamlText(t)
	}
	var n yaml.Node
	if err := n.Encode(ye); err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.ID, err)
	}
	styleNode(&n, "")
	return &n, nil
}

func styleNode(n *yaml.Node, key string) {
	switch n.Kind {
	case yaml.MappingNode:
		if key == "text" {
			sortLanguages(n)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			styleNode(n.Content[i+1], n.Content[i].Value)
		}
	case yaml.SequenceNode:
		if key == "tags" {
			n.Style = yaml.FlowStyle
			for _, c := range n.Content {
				// A tag like 12315 is written bare, as curated (it reads back
				// as the same string).
				if isDigits(c.Value) && c.Value[0] != '0' {
					c.Tag, c.Style = "!!int", 0
				}
			}
		}
		for _, c := range n.Content {
			styleNode(c, "")
		}
	case yaml.ScalarNode:
		switch {
		case key == "answer" && strings.Contains(n.Value, "\n") && literalSafe(n.Value):
			n.Style = yaml.LiteralStyle
		case key == "updated" || key == "review_by" || key == "effective":
			// Written bare, as the curated files write dates (Date reads them).
			n.Tag, n.Style = "!!timestamp", 0
		}
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sortLanguages orders a text mapping zh, en, then the other languages
// alphabetically, as the curated files do.
func sortLanguages(n *yaml.Node) {
	rank := func(l string) string {
		switch l {
		case "zh":
			return "0"
		case "en":
			return "1"
		}
		return "2" + l
	}
	type pair struct{ k, v *yaml.Node }
	var ps []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		ps = append(ps, pair{n.Content[i], n.Content[i+1]})
	}
	slices.SortFunc(ps, func(a, b pair) int { return strings.Compare(rank(a.k.Value), rank(b.k.Value)) })
	n.Content = n.Content[:0]
	for _, p := range ps {
		n.Content = append(n.Content, p.k, p.v)
	}
}

// literalSafe reports whether a literal block keeps s exactly: no trailing
// spaces on a line, no leading blank line or indented first line, and at most
// one final newline (the "|" block's clip chomping).
func literalSafe(s string) bool {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") || strings.HasSuffix(s, "\n\n") || strings.Contains(s, "\r") || strings.Contains(s, "\t") {
		return false
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasSuffix(l, " ") {
			return false
		}
	}
	return true
}

// MarshalEntries writes entries as a YAML entry file (a list of entries).
func MarshalEntries(entries []*Entry) ([]byte, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range entries {
		n, err := EntryNode(e)
		if err != nil {
			return nil, err
		}
		list.Content = append(list.Content, n)
	}
	return encodeYAML(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}})
}

func encodeYAML(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ExportYAML lays a knowledge base out as a folder like knowledge/data:
// categories.yaml and <category>/<category>.yaml holding that category's
// entries in order. It returns file contents by slash-separated path.
func ExportYAML(kb *KB) (map[string][]byte, error) {
	files := map[string][]byte{}
	cats := kb.Categories
	byCat := map[string][]*Entry{}
	known := map[string]bool{}
	for _, c := range cats {
		known[c.ID] = true
	}
	for _, e := range kb.Entries {
		if !known[e.Category] {
			known[e.Category] = true
			cats = append(cats, Category{ID: e.Category, Names: map[string]string{}})
		}
		byCat[e.Category] = append(byCat[e.Category], e)
	}
	data, err := MarshalCategories(cats)
	if err != nil {
		return nil, err
	}
	files[CategoriesFile] = data
	for c, es := range byCat {
		if c == "" || strings.ContainsAny(c, "/\\.") {
			return nil, fmt.Errorf("category %q cannot name a folder", c)
		}
		data, err := MarshalEntries(es)
		if err != nil {
			return nil, err
		}
		files[c+"/"+c+".yaml"] = data
	}
	return files, nil
}

// MarshalCategories writes a category list as categories.yaml does.
func MarshalCategories(cats []Category) ([]byte, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range cats {
		names := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		langs := make([]string, 0, len(c.Names))
		for l := range c.Names {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		for _, l := range langs {
			names.Content = append(names.Content, scalar(l), scalar(c.Names[l]))
		}
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			scalar("id"), scalar(c.ID), scalar("names"), names,
		}})
	}
	return encodeYAML(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}})
}

func scalar(s string) *yaml.Node {
	n := &yaml.Node{}
	n.SetString(s)
	return n
}

// Merge plans the import of entries into the knowledge-base folder fsys:
// an entry whose id the folder has replaces it in its file (the file's other
// entries and comments stay as they are), a new entry is appended to
// <category>/<category>.yaml. Categories the folder lacks are appended to its
// categories.yaml (or make a new one). It returns the contents of every file
// to write, by slash-separated path, after checking that the folder with
// these files loads without errors and holds the imported entries as given;
// nothing is written, so a caller can import all or nothing.
func Merge(fsys fs.FS, entries []*Entry, categories []Category, now time.Time) (map[string][]byte, error) {
	files := map[string][]byte{}
	kb, _, err := LoadFS(fsys, now)
	if err != nil {
		var ps Problems
		if !errors.As(err, &ps) || !onlyMissingCategories(ps) {
			return nil, fmt.Errorf("the knowledge base to import into has problems; fix them first: %w", err)
		}
		kb = NewKB(nil, nil)
	}
	// Categories first: the entries may need them.
	var newCats []Category
	for _, c := range categories {
		if _, ok := kb.Category(c.ID); !ok && !slices.ContainsFunc(newCats, func(n Category) bool { return n.ID == c.ID }) {
			newCats = append(newCats, c)
		}
	}
	if len(newCats) > 0 {
		data, err := appendCategories(fsys, newCats)
		if err != nil {
			return nil, err
		}
		files[CategoriesFile] = data
	}

	docs := map[string]*yaml.Node{} // entry file → its parsed list
	doc := func(p string) (*yaml.Node, error) {
		if d, ok := docs[p]; ok {
			return d, nil
		}
		d := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.SequenceNode}}}
		if data, err := fs.ReadFile(fsys, p); err == nil {
			var n yaml.Node
			if err := yaml.Unmarshal(data, &n); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if len(n.Content) > 0 {
				if n.Content[0].Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("%s: not a list of entries", p)
				}
				d = &n
			}
		}
		docs[p] = d
		return d, nil
	}
	for _, e := range entries {
		n, err := EntryNode(e)
		if err != nil {
			return nil, err
		}
		var list *yaml.Node
		if old := kb.Entry(e.ID); old != nil {
			d, err := doc(old.Source.File)
			if err != nil {
				return nil, err
			}
			list = d.Content[0]
			i := slices.IndexFunc(list.Content, func(item *yaml.Node) bool { return scalarField(item, "id") == e.ID })
			if i < 0 {
				return nil, fmt.Errorf("%s: entry %s not found where it was loaded from", old.Source.File, e.ID)
			}
			n.HeadComment = list.Content[i].HeadComment
			list.Content[i] = n
			continue
		}
		if e.Category == "" || strings.ContainsAny(e.Category, "/\\.") {
			return nil, fmt.Errorf("entry %s: category %q cannot name a folder", e.ID, e.Category)
		}
		d, err := doc(e.Category + "/" + e.Category + ".yaml")
		if err != nil {
			return nil, err
		}
		list = d.Content[0]
		list.Content = append(list.Content, n)
	}
	for p, d := range docs {
		data, err := encodeYAML(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		files[p] = spaceEntries(data)
	}

	// Check the result as the bot would load it.
	after, err := withFiles(fsys, files)
	if err != nil {
		return nil, err
	}
	merged, _, err := LoadFS(after, now)
	if err != nil {
		return nil, fmt.Errorf("the knowledge base would not load after the import: %w", err)
	}
	for _, e := range entries {
		if got := merged.Entry(e.ID); got == nil || !SameEntry(got, e) {
			return nil, fmt.Errorf("entry %s would not read back as imported", e.ID)
		}
	}
	return files, nil
}

// onlyMissingCategories reports whether the only problem is an absent
// categories.yaml: an empty folder to import into.
func onlyMissingCategories(ps Problems) bool {
	for _, p := range ps.Errors() {
		if p.File != CategoriesFile || p.Line != 0 {
			return false
		}
	}
	return true
}

// appendCategories adds categories to the folder's categories.yaml, keeping
// its comments, or writes a new one.
func appendCategories(fsys fs.FS, cats []Category) ([]byte, error) {
	data, err := fs.ReadFile(fsys, CategoriesFile)
	if err != nil {
		return MarshalCategories(cats)
	}
	var d yaml.Node
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", CategoriesFile, err)
	}
	add, err := MarshalCategories(cats)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(add, &n); err != nil {
		return nil, err
	}
	if len(d.Content) == 0 || d.Content[0].Kind != yaml.SequenceNode {
		return add, nil
	}
	d.Content[0].Content = append(d.Content[0].Content, n.Content[0].Content...)
	return encodeYAML(&d)
}

// spaceEntries puts a blank line between the items of a YAML entry list (and
// before an item's comment), as the curated files have; the YAML encoder
// keeps comments but not blank lines.
func spaceEntries(data []byte) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	items := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "- ") {
			items++
		}
		startsBlock := strings.HasPrefix(l, "- ") || (strings.HasPrefix(l, "#") && nextItem(lines[i:]))
		if startsBlock && items > 0 && i > 0 && strings.TrimSpace(lines[i-1]) != "" && !strings.HasPrefix(lines[i-1], "#") {
			if !(strings.HasPrefix(l, "- ") && items == 1) {
				out.WriteString("\n")
			}
		}
		out.WriteString(l)
	}
	return []byte(out.String())
}

// nextItem reports whether the comment block starting lines is followed by
// a list item.
func nextItem(lines []string) bool {
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "- "):
			return true
		default:
			return false
		}
	}
	return false
}

// SameEntry reports whether two entries hold the same content, whatever
// file they were read from (Source is ignored, as is nil against empty).
func SameEntry(a, b *Entry) bool {
	if a.ID != b.ID || a.Category != b.Category || a.Status != b.Status || a.ReviewedBy != b.ReviewedBy ||
		!a.Updated.Equal(b.Updated.Time) || !a.ReviewBy.Equal(b.ReviewBy.Time) ||
		!slices.Equal(a.Tags, b.Tags) || len(a.Citations) != len(b.Citations) || len(a.Text) != len(b.Text) {
		return false
	}
	for i, c := range a.Citations {
		d := b.Citations[i]
		if c.Law != d.Law || c.Article != d.Article || !c.Effective.Equal(d.Effective.Time) {
			return false
		}
	}
	for l, t := range a.Text {
		u, ok := b.Text[l]
		if !ok || t.Answer != u.Answer || !slices.Equal(t.Questions, u.Questions) {
			return false
		}
	}
	return true
}

// withFiles copies the folder into memory with some files replaced or added.
func withFiles(base fs.FS, files map[string][]byte) (fs.FS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		return nil, err
	}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data}
	}
	return m, nil
}
