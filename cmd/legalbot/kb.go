package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/legalbot/legalbot/bot"
	"github.com/legalbot/legalbot/config"
	"github.com/legalbot/legalbot/knowledge"
	"github.com/legalbot/legalbot/statutes"
)

const kbUsage = `Usage: legalbot kb COMMAND

Commands:
  validate [--dir DIR] [--statutes DIR]   check the knowledge base (embedded, or DIR) and report
                                          every problem with file, line and field; exit 1 on errors
  import FILE|DIR [--into DIR] [--dry-run]
                                          import entries from a .jsonl or .csv file, a folder of
                                          them, or a YAML knowledge-base folder into the YAML folder
                                          DIR (default ./knowledge/data), merging by id; everything
                                          is checked first and nothing is written if anything is wrong
  export --format yaml|jsonl|csv [--out PATH] [--dir DIR]
                                          write the knowledge base (embedded, LEGALBOT_KB_DIR or DIR)
                                          as JSONL or CSV (to PATH or stdout) or as a YAML folder PATH
  eval --queries FILE [--queries FILE...] [--kb FILE|DIR] [--json] [--failures]
                                          run evaluation queries ({"query", "gold": [ids]}) through
                                          the bot's search and policy and print recall@1, recall@3,
                                          mrr@10, answer/suggest/decline rates and latency
  overlap [--kb FILE|DIR] [--folds N] [--top N] [--examples N] [--json]
                                          hold each entry's questions out a fold at a time, search
                                          them, and list the entries whose questions find another
                                          entry first: where entries compete for the same words
`

func runKB(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, kbUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, kbUsage)
		return nil
	case "validate":
		return runKBValidate(args[1:], getenv, stdout, stderr)
	case "import":
		return runKBImport(args[1:], stdout, stderr)
	case "export":
		return runKBExport(args[1:], getenv, stdout, stderr)
	case "eval":
		return runKBEval(args[1:], stdout, stderr)
	case "overlap":
		return runKBOverlap(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "legalbot kb: unknown command %q\n\n%s", args[0], kbUsage)
		return errUsage
	}
}

func runKBValidate(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb validate", flag.ContinueOnError)
	dir := fs.String("dir", getenv("LEGALBOT_KB_DIR"), "knowledge-base folder (default: the embedded one)")
	statutesDir := fs.String("statutes", getenv("LEGALBOT_STATUTES_DIR"), "statutes folder to resolve citations against")
	if err := parseFlags(fs, args, "Usage: legalbot kb validate [--dir DIR] [--statutes DIR]", false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	kbFS := knowledge.BuiltinFS()
	if *dir != "" {
		kbFS = os.DirFS(*dir)
	}
	kb, problems, _ := knowledge.LoadFS(kbFS, time.Now())
	if _, err := knowledge.LoadLexicon(kbFS); err != nil {
		var ps knowledge.Problems
		if !errors.As(err, &ps) {
			ps = knowledge.Problems{{File: knowledge.LexiconFile, Msg: err.Error()}}
		}
		problems = append(problems, ps...)
	}
	if *statutesDir != "" && kb != nil {
		lib, err := statutes.Load(os.DirFS(*statutesDir))
		if err != nil {
			return err
		}
		problems = append(problems, lib.CheckProblems(kb)...)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
	}
	errs := len(problems.Errors())
	n := 0
	if kb != nil {
		n = len(kb.Entries)
	}
	fmt.Fprintf(stdout, "%d entries, %d errors, %d warnings\n", n, errs, len(problems)-errs)
	if errs > 0 {
		return fmt.Errorf("knowledge base has %d errors", errs)
	}
	return nil
}

// splitArgs separates positional arguments from flags, so "import FILE
// --into DIR" parses as well as "import --into DIR FILE". Flags that take a
// value are named in valued.
func splitArgs(args []string, valued ...string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...)
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && slices.Contains(valued, name) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}

const importSummary = `Usage: legalbot kb import FILE|DIR [--into DIR] [--dry-run]

Imports entries into a YAML knowledge-base folder, merging by id: an entry
whose id exists replaces it in its file, a new one goes to
<category>/<category>.yaml. FILE is interchange JSONL (.jsonl) or CSV (.csv);
DIR is a folder of such files, or a YAML knowledge-base folder (one with
categories.yaml, as "kb export --format yaml" writes; its new categories
are added too, and its synonyms.yaml is merged: new groups are added, a known
group gains the terms it lacks, nothing is removed). Everything is checked first — syntax, fields, categories,
translations — and every problem is reported with file, line and field;
nothing is written unless all of it can be imported.`

func runKBImport(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("kb import", flag.ContinueOnError)
	into := fset.String("into", filepath.Join("knowledge", "data"), "YAML knowledge-base folder to import into")
	dryRun := fset.Bool("dry-run", false, "check and report, write nothing")
	flags, pos := splitArgs(args, "into")
	if err := parseFlags(fset, flags, importSummary, false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "%s\n", importSummary)
		return errUsage
	}
	now := time.Now()
	in, problems, err := readImport(pos[0], now)
	if err != nil {
		return err
	}
	entries, cats := in.entries, in.categories
	target := os.DirFS(*into)
	if st, err := os.Stat(*into); err != nil || !st.IsDir() {
		return fmt.Errorf("--into %s: not a folder", *into)
	}
	existing, _, _ := knowledge.LoadFS(target, now)
	known := map[string]bool{}
	if existing != nil {
		for _, c := range existing.Categories {
			known[c.ID] = true
		}
	}
	for _, c := range cats {
		known[c.ID] = true
	}
	problems = append(problems, knowledge.CheckImported(entries, known, now)...)
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
	}
	if errs := problems.Errors(); len(errs) > 0 {
		fmt.Fprintf(stdout, "%d errors: nothing imported\n", len(errs))
		return fmt.Errorf("import %s: %d errors", pos[0], len(errs))
	}
	es := make([]*knowledge.Entry, len(entries))
	var added, replaced int
	for i, le := range entries {
		es[i] = le.Entry
		if existing != nil && existing.Entry(le.Entry.ID) != nil {
			replaced++
		} else {
			added++
		}
	}
	files, err := knowledge.Merge(target, es, cats, now)
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	var synonyms string
	if len(in.synonyms) > 0 {
		data, groupsAdded, groupsExtended, err := knowledge.MergeLexicon(target, in.synonyms)
		if err != nil {
			return fmt.Errorf("import %s: %w", pos[0], err)
		}
		if data != nil {
			files[knowledge.LexiconFile] = data
		}
		synonyms = fmt.Sprintf("; synonyms: %d groups added, %d extended", groupsAdded, groupsExtended)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if !*dryRun {
		if err := writeFiles(*into, files); err != nil {
			return fmt.Errorf("import %s: %w", pos[0], err)
		}
	}
	verb := "imported"
	if *dryRun {
		verb = "would be imported (dry run)"
	}
	fmt.Fprintf(stdout, "%d entries %s into %s: %d new, %d replaced%s; files: %s\n", len(es), verb, *into, added, replaced, synonyms, strings.Join(paths, ", "))
	return nil
}

// imported is what "kb import" read: entries, and from a YAML
// knowledge-base folder its categories and synonym groups.
type imported struct {
	entries    []knowledge.LocatedEntry
	categories []knowledge.Category
	synonyms   []knowledge.SynonymGroup
}

// readImport reads what "kb import" was given: an interchange file, a
// folder of them, or a YAML knowledge-base folder (whose categories and
// synonyms come along). Ids must be unique across everything read.
func readImport(src string, now time.Time) (imported, knowledge.Problems, error) {
	var in imported
	st, err := os.Stat(src)
	if err != nil {
		return in, nil, err
	}
	if !st.IsDir() {
		data, err := os.ReadFile(src)
		if err != nil {
			return in, nil, err
		}
		es, ps := knowledge.ParseInterchange(src, data)
		in.entries = es
		return in, append(ps, duplicateIDs(es)...), nil
	}
	if _, err := os.Stat(filepath.Join(src, knowledge.CategoriesFile)); err == nil {
		kb, ps, _ := knowledge.LoadFS(os.DirFS(src), now)
		if kb != nil {
			for _, e := range kb.Entries {
				in.entries = append(in.entries, knowledge.LocatedEntry{Entry: e, File: filepath.Join(src, e.Source.File), Line: e.Source.Line})
			}
			in.categories = kb.Categories
		}
		for i := range ps {
			ps[i].File = filepath.Join(src, ps[i].File)
		}
		lexPath := filepath.Join(src, knowledge.LexiconFile)
		if data, err := os.ReadFile(lexPath); err == nil {
			groups, lps := knowledge.ParseLexicon(lexPath, data)
			in.synonyms = groups
			ps = append(ps, lps...)
		}
		return in, ps, nil
	}
	var problems knowledge.Problems
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jsonl", ".ndjson", ".csv":
		default:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		es, ps := knowledge.ParseInterchange(p, data)
		in.entries = append(in.entries, es...)
		problems = append(problems, ps...)
		return nil
	})
	if err != nil {
		return in, nil, err
	}
	if len(in.entries) == 0 && len(problems) == 0 {
		return in, nil, fmt.Errorf("%s: no .jsonl or .csv files", src)
	}
	return in, append(problems, duplicateIDs(in.entries)...), nil
}

func duplicateIDs(es []knowledge.LocatedEntry) knowledge.Problems {
	var ps knowledge.Problems
	first := map[string]knowledge.LocatedEntry{}
	for _, le := range es {
		if f, dup := first[le.Entry.ID]; dup {
			ps = append(ps, knowledge.Problem{File: le.File, Line: le.Line, Field: "id", ID: le.Entry.ID,
				Msg: fmt.Sprintf("duplicate id, first at %s:%d", f.File, f.Line)})
			continue
		}
		first[le.Entry.ID] = le
	}
	return ps
}

// writeFiles writes files under dir, each through a temporary file renamed
// into place, so a reader never sees half a file.
func writeFiles(dir string, files map[string][]byte) error {
	for p, data := range files {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), ".import-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o644)
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), dst)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", dst, werr)
		}
	}
	return nil
}

const exportSummary = `Usage: legalbot kb export --format yaml|jsonl|csv [--out PATH] [--dir DIR]

Writes every entry of the knowledge base (the embedded one, LEGALBOT_KB_DIR
or --dir), drafts and archived ones too. jsonl and csv go to PATH or stdout;
yaml writes a knowledge-base folder at PATH (categories.yaml,
<category>/<category>.yaml and the synonym lexicon), which must be new or empty.`

func runKBExport(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("kb export", flag.ContinueOnError)
	format := fset.String("format", "jsonl", "yaml, jsonl or csv")
	out := fset.String("out", "", "file (jsonl, csv; default stdout) or folder (yaml) to write")
	dir := fset.String("dir", getenv("LEGALBOT_KB_DIR"), "knowledge-base folder (default: the embedded one)")
	if err := parseFlags(fset, args, exportSummary, false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	kbFS := knowledge.BuiltinFS()
	if *dir != "" {
		kbFS = os.DirFS(*dir)
	}
	kb, _, err := knowledge.LoadFS(kbFS, time.Now())
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	switch *format {
	case "jsonl", "csv":
		w := stdout
		if *out != "" && *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		write := knowledge.WriteJSONL
		if *format == "csv" {
			write = knowledge.WriteCSV
		}
		if err := write(w, kb.Entries); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if f, ok := w.(*os.File); ok && w != stdout {
			return f.Close()
		}
		return nil
	case "yaml":
		if *out == "" {
			fmt.Fprintln(stderr, "legalbot kb export: --format yaml needs --out FOLDER")
			return errUsage
		}
		if es, err := os.ReadDir(*out); err == nil && len(es) > 0 {
			return fmt.Errorf("export: %s is not empty; export into a new folder", *out)
		}
		files, err := knowledge.ExportYAML(kb)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if lex, err := fs.ReadFile(kbFS, knowledge.LexiconFile); err == nil {
			files[knowledge.LexiconFile] = lex
		}
		if err := writeFiles(*out, files); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(stderr, "%d entries written to %s\n", len(kb.Entries), *out)
		return nil
	default:
		fmt.Fprintf(stderr, "legalbot kb export: unknown format %q (yaml, jsonl or csv)\n", *format)
		return errUsage
	}
}

const evalSummary = `Usage: legalbot kb eval --queries FILE [--queries FILE...] [--kb FILE|DIR] [--json] [--failures]

Runs every query ({"query": "...", "gold": ["id", ...]}, one a line; an empty
gold means the bot should decline) through the same search and policy the bot
uses, on the built-in knowledge base or --kb: a JSONL or CSV interchange file
(any categories; single-language entries are fine) or a YAML knowledge-base
folder. The index uses the folder's synonyms.yaml when it has one, else the
built-in lexicon; the thresholds are the configuration's defaults unless
--answer, --suggest, --margin or --decline-below say otherwise. --queries may name a folder
(all its *.jsonl). Prints n, recall@1, recall@3 and mrr@10 (over queries with
gold), answer_correct, answer_wrong and suggest_hit (likewise), false_answer
and decline_ok (over queries without gold), p50_ms and p99_ms; --json prints
the same keys as one JSON object on one line.`

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runKBEval(args []string, stdout, stderr io.Writer) error {
	def := config.Default().Policy
	fset := flag.NewFlagSet("kb eval", flag.ContinueOnError)
	var queries multiFlag
	fset.Var(&queries, "queries", "evaluation queries (.jsonl file or folder); repeatable")
	kbPath := fset.String("kb", "", "knowledge base: .jsonl/.csv file or YAML folder (default: the built-in one)")
	asJSON := fset.Bool("json", false, "print the metrics as one JSON object")
	failures := fset.Bool("failures", false, "list the queries the bot gets wrong before the metrics")
	answerAt := fset.Float64("answer", def.Answer, "answer threshold")
	suggestAt := fset.Float64("suggest", def.Suggest, "suggest threshold")
	margin := fset.Float64("margin", def.Margin, "answer margin")
	declineBelow := fset.Float64("decline-below", def.DeclineBelow, "certainty below which the bot declines instead of suggesting")
	if err := parseFlags(fset, args, evalSummary, false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	if len(queries) == 0 {
		fmt.Fprintln(stderr, "legalbot kb eval: --queries is required")
		return errUsage
	}
	kb, lex, err := loadEvalKB(*kbPath)
	if err != nil {
		return err
	}
	qs, err := loadQueries(queries)
	if err != nil {
		return err
	}
	ix := knowledge.NewIndex(kb, knowledge.NewAnalyzer(lex))
	policy := bot.PolicyOf(config.Policy{Answer: *answerAt, Suggest: *suggestAt, Margin: *margin, DeclineBelow: *declineBelow})
	rep := knowledge.Evaluate(ix, policy, qs)
	if *failures && !*asJSON {
		printFailures(stdout, rep)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(roundedMetrics(rep))
	}
	fmt.Fprint(stdout, rep.String())
	return nil
}

const overlapSummary = `Usage: legalbot kb overlap [--kb FILE|DIR] [--folds N] [--top N] [--examples N] [--json]

Holds each entry's questions out a fold at a time, builds the index without
them and searches each: a question that finds another entry first shows two
entries competing for the same words (a phrasing that belongs elsewhere, two
entries that answer one question). Prints the share of questions that find
their own entry, then the pairs ENTRY → RIVAL, most questions first, with
examples. Needs no evaluation queries. --kb as for eval (default: the
built-in knowledge base).
`

func runKBOverlap(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("kb overlap", flag.ContinueOnError)
	kbPath := fset.String("kb", "", "knowledge base: .jsonl/.csv file or YAML folder (default: the built-in one)")
	folds := fset.Int("folds", 5, "folds the questions are held out in")
	top := fset.Int("top", 30, "pairs to list")
	examples := fset.Int("examples", 2, "questions shown per pair")
	asJSON := fset.Bool("json", false, "print the whole report as JSON")
	if err := parseFlags(fset, args, overlapSummary, false, stdout, stderr); err != nil {
		return helpOK(err)
	}
	kb, lex, err := loadEvalKB(*kbPath)
	if err != nil {
		return err
	}
	rep := knowledge.Overlap(kb, lex, *folds)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	rep.Write(stdout, *top, *examples)
	return nil
}

// loadEvalKB loads the knowledge base to evaluate and its lexicon.
func loadEvalKB(path string) (*knowledge.KB, *knowledge.Lexicon, error) {
	builtinLex, err := knowledge.LoadLexicon(knowledge.BuiltinFS())
	if err != nil {
		return nil, nil, err
	}
	if path == "" {
		kb, _, err := knowledge.Builtin(time.Now())
		return kb, builtinLex, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--kb: %w", err)
	}
	if st.IsDir() {
		fsys := os.DirFS(path)
		kb, _, err := knowledge.LoadFS(fsys, time.Now())
		if err != nil {
			return nil, nil, fmt.Errorf("--kb %s: %w", path, err)
		}
		lex := builtinLex
		if _, err := fs.Stat(fsys, knowledge.LexiconFile); err == nil {
			if lex, err = knowledge.LoadLexicon(fsys); err != nil {
				return nil, nil, fmt.Errorf("--kb %s: %w", path, err)
			}
		}
		return kb, lex, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	es, ps := knowledge.ParseInterchange(path, data)
	ps = append(ps, knowledge.CheckRecords(es)...)
	if errs := ps.Errors(); len(errs) > 0 {
		return nil, nil, fmt.Errorf("--kb: %w", errs)
	}
	return knowledge.KBFromRecords(es), builtinLex, nil
}

func loadQueries(paths []string) ([]knowledge.EvalQuery, error) {
	var files []string
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			m, _ := filepath.Glob(filepath.Join(p, "*.jsonl"))
			sort.Strings(m)
			files = append(files, m...)
			continue
		}
		files = append(files, p)
	}
	var out []knowledge.EvalQuery
	var problems knowledge.Problems
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--queries: %w", err)
		}
		qs, ps := knowledge.ParseQueries(f, data)
		out = append(out, qs...)
		problems = append(problems, ps...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("--queries: %w", problems)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--queries: no queries in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

// printFailures lists the queries the bot got wrong: wrong answers, answers
// it should have declined, and gold entries missing from the top three.
func printFailures(w io.Writer, rep knowledge.Report) {
	for _, r := range rep.Results {
		if r.Correct() {
			continue
		}
		d := r.Decision
		var got []string
		for _, h := range d.Hits {
			got = append(got, h.Entry.ID)
		}
		want := "decline"
		if len(r.Query.Gold) > 0 {
			want = strings.Join(r.Query.Gold, "|")
		}
		fmt.Fprintf(w, "%s %s [%s] (certainty %.2f, lead %.2f, gold rank %d) want %s: %s\n",
			failureKind(r), d.Outcome, strings.Join(got, " "), d.Certainty, d.Lead, r.Rank, want, r.Query.Query)
	}
}

func failureKind(r knowledge.Result) string {
	switch {
	case len(r.Query.Gold) == 0:
		return "NOT-DECLINED"
	case r.Decision.Outcome == knowledge.Answer:
		return "WRONG"
	case r.Rank == 1:
		return "UNSURE"
	default:
		return "MISSED"
	}
}

// roundedMetrics is the report with rates rounded to 4 places for printing.
func roundedMetrics(r knowledge.Report) knowledge.Report {
	round := func(v float64) float64 { return math.Round(v*1e4) / 1e4 }
	r.Recall1, r.Recall3, r.MRR10 = round(r.Recall1), round(r.Recall3), round(r.MRR10)
	r.AnswerCorrect, r.AnswerWrong, r.SuggestHit = round(r.AnswerCorrect), round(r.AnswerWrong), round(r.SuggestHit)
	r.FalseAnswer, r.DeclineOK = round(r.FalseAnswer), round(r.DeclineOK)
	r.P50ms, r.P99ms = round(r.P50ms), round(r.P99ms)
	return r
}
