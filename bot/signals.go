package bot

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/legalbot/legalbot/knowledge"
)

// This file is the signal detector: from one citizen message it tells
// whether the citizen asks for a person and whether the matter is urgent.
// The phrases are data (signals/<lang>.yaml, editable by an office); the
// rules that combine them are here:
//
//   - Text is normalized first: full-width forms become half-width, letters
//     lowercase, curly apostrophes straight, runs of spaces one space, and a
//     space between two Han characters is dropped ("转 人工" is "转人工").
//   - Han phrases match as substrings. A phrase edge that is a Latin letter
//     or digit must sit on a word boundary ("hits" does not match "this",
//     "3天内" does not match "13天内"), and a phrase that starts with a Chinese
//     numeral must not follow one ("三天内" does not match "十三天内").
//   - A sentence ends at 。！？!?; a newline, or a "." not between digits; a
//     clause also ends at a comma or 、.
//   - Every list K may have a K_exclude list: a K match that lies inside an
//     exclude match does not count ("律师费" hides "律师", "打我电话" hides
//     "打我", "跳楼价" hides "跳楼"); one that only overlaps it still counts
//     ("被抓到" hides "被抓" but not "抓到派出所").
//   - Wants a human: a human phrase counts unless its clause has a
//     human_veto phrase (cost and "do I need one?" questions, which the FAQ
//     answers) or a human_negation phrase starts before it with at most
//     maxNegationGap words between ("不用转人工", "I don't need a lawyer").
//     A message made only of human_alone words and human_fillers ("律师",
//     "人工？", "lawyer please") counts too; a bare "律师" or "人工" inside a
//     longer message does not ("律师费多少钱", "人工智能").
//   - Small talk: a message made only of greeting, thanks, goodbye and
//     about_bot phrases and small_talk_fillers ("你好", "谢谢老师！", "are
//     you a robot?") is small talk; with any other word it is a question
//     ("你好，老板欠我工资" is searched as usual).
//   - Violence, detention and self-harm phrases count wherever they appear;
//     negation is deliberately not applied to them ("他没打我" and
//     "以前被打过现在已经离婚了" are flagged) because a person reading a
//     false alarm costs little and a missed one may cost a life.
//   - A deadline is urgent when a deadline word and a soon word (within about
//     seven days) are in the same clause, or in the same sentence when the
//     deadline word's clause has no later word — a far, past or asked-about
//     time ("截止日期是3月5日，也就是明天" is urgent; "我明天要上班，下个月开庭"
//     and "我今天去法院立案了，多久能开庭" are not). Absolute dates
//     ("3月5日开庭") are not judged, the detector has no calendar, and
//     neither is a vague "soon" without a time ("合同快到期了").

// Urgency says how urgently a message needs a person, and why. The values
// are ordered by severity, so the more severe of two is the larger.
type Urgency int

// The kinds of urgency, least severe first.
const (
	// UrgencyNone is an ordinary question.
	UrgencyNone Urgency = iota
	// UrgencyDeadline is a hearing or legal deadline within about a week.
	UrgencyDeadline
	// UrgencyDetention is an arrest or detention of the citizen or family.
	UrgencyDetention
	// UrgencyViolence is violence, abuse or threats.
	UrgencyViolence
	// UrgencySelfHarm is a risk that the citizen harms themself.
	UrgencySelfHarm
)

var urgencyNames = [...]string{"none", "deadline", "detention", "violence", "self_harm"}

// String returns the urgency's stable name ("none", "deadline",
// "detention", "violence", "self_harm"), as used in logs and case cards.
func (u Urgency) String() string {
	if u < 0 || int(u) >= len(urgencyNames) {
		return fmt.Sprintf("Urgency(%d)", int(u))
	}
	return urgencyNames[u]
}

// Signals is what Detect found in one message.
type Signals struct {
	// WantsHuman is true when the citizen asks for a lawyer or a person.
	WantsHuman bool
	// Urgency is the most severe urgency found.
	Urgency Urgency
	// Matched lists the phrases that produced the signals, in the order they
	// appear in the message, each once, in normalized form ("打我", "明天",
	// "开庭"). It includes the phrases of less severe kinds too, so a case
	// card can show "violence + detention". Nil when nothing matched.
	Matched []string
	// SmallTalk is set when the whole message is a greeting, thanks, a
	// goodbye or a question about the bot ("你好", "谢谢！", "are you a
	// bot?"): the bot answers it in kind instead of searching the FAQ.
	SmallTalk SmallTalk
}

// SmallTalk is the kind of a message that is only small talk.
type SmallTalk int

// The kinds of small talk; when a message mixes them ("谢谢，再见") the
// later kind in this list wins.
const (
	SmallTalkNone SmallTalk = iota
	SmallTalkGreeting
	SmallTalkGoodbye
	SmallTalkThanks
	SmallTalkAboutBot
)

// Detector finds requests for a human and urgent situations in citizens'
// messages. It is immutable once built and safe for concurrent use.
type Detector struct {
	// The phrases form a trie over runes; node 0 is the root. Node n's
	// children are kidRune/kidNode[first[n]:first[n+1]], sorted by rune:
	// contiguous arrays walk faster than a map of edges.
	first   []int32
	kidRune []rune
	kidNode []int32
	out     [][]int32 // node → phrases that end there
	phrases []sigPhrase
}

// maxNegationGap is how many words (a Latin word or a Han character) may
// stand between a negation and the human phrase it cancels: "不用帮我转人工"
// (2), "I don't really want to talk to a lawyer" (3). More would let "不要
// 机器人我要真人" cancel itself.
const maxNegationGap = 3

// maxExpansions caps the phrases one pattern may expand to, so a slip in a
// list cannot make the detector huge.
const maxExpansions = 10000

// sigList names one phrase list of a signals file.
type sigList uint8

const (
	sigHuman sigList = iota
	sigHumanAlone
	sigHumanFillers
	sigHumanExclude
	sigHumanVeto
	sigHumanNegation
	sigViolence
	sigViolenceExclude
	sigDetention
	sigDetentionExclude
	sigSelfHarm
	sigSelfHarmExclude
	sigDeadline
	sigDeadlineExclude
	sigSoon
	sigSoonExclude
	sigLater
	sigGreeting
	sigThanks
	sigGoodbye
	sigAboutBot
	sigSmallTalkFillers
	numSigLists
)

var sigListNames = [numSigLists]string{
	sigHuman:            "human",
	sigHumanAlone:       "human_alone",
	sigHumanFillers:     "human_fillers",
	sigHumanExclude:     "human_exclude",
	sigHumanVeto:        "human_veto",
	sigHumanNegation:    "human_negation",
	sigViolence:         "violence",
	sigViolenceExclude:  "violence_exclude",
	sigDetention:        "detention",
	sigDetentionExclude: "detention_exclude",
	sigSelfHarm:         "self_harm",
	sigSelfHarmExclude:  "self_harm_exclude",
	sigDeadline:         "deadline_words",
	sigDeadlineExclude:  "deadline_exclude",
	sigSoon:             "soon_words",
	sigSoonExclude:      "soon_exclude",
	sigLater:            "later_words",
	sigGreeting:         "greeting",
	sigThanks:           "thanks",
	sigGoodbye:          "goodbye",
	sigAboutBot:         "about_bot",
	sigSmallTalkFillers: "small_talk_fillers",
}

// sigExclusion maps a list to the list whose matches hide it.
var sigExclusion = map[sigList]sigList{
	sigHuman:      sigHumanExclude,
	sigHumanAlone: sigHumanExclude,
	sigViolence:   sigViolenceExclude,
	sigDetention:  sigDetentionExclude,
	sigSelfHarm:   sigSelfHarmExclude,
	sigDeadline:   sigDeadlineExclude,
	sigSoon:       sigSoonExclude,
}

// signalFile is one signals/<lang>.yaml. The files' header comments
// document each list for the people who edit them.
type signalFile struct {
	Sets             map[string][]string `yaml:"sets"`
	Human            []string            `yaml:"human"`
	HumanAlone       []string            `yaml:"human_alone"`
	HumanFillers     []string            `yaml:"human_fillers"`
	HumanExclude     []string            `yaml:"human_exclude"`
	HumanVeto        []string            `yaml:"human_veto"`
	HumanNegation    []string            `yaml:"human_negation"`
	Violence         []string            `yaml:"violence"`
	ViolenceExclude  []string            `yaml:"violence_exclude"`
	Detention        []string            `yaml:"detention"`
	DetentionExclude []string            `yaml:"detention_exclude"`
	SelfHarm         []string            `yaml:"self_harm"`
	SelfHarmExclude  []string            `yaml:"self_harm_exclude"`
	DeadlineWords    []string            `yaml:"deadline_words"`
	DeadlineExclude  []string            `yaml:"deadline_exclude"`
	SoonWords        []string            `yaml:"soon_words"`
	SoonExclude      []string            `yaml:"soon_exclude"`
	LaterWords       []string            `yaml:"later_words"`
	Greeting         []string            `yaml:"greeting"`
	Thanks           []string            `yaml:"thanks"`
	Goodbye          []string            `yaml:"goodbye"`
	AboutBot         []string            `yaml:"about_bot"`
	SmallTalkFillers []string            `yaml:"small_talk_fillers"`
}

func (f *signalFile) lists() [numSigLists][]string {
	return [numSigLists][]string{
		sigHuman:            f.Human,
		sigHumanAlone:       f.HumanAlone,
		sigHumanFillers:     f.HumanFillers,
		sigHumanExclude:     f.HumanExclude,
		sigHumanVeto:        f.HumanVeto,
		sigHumanNegation:    f.HumanNegation,
		sigViolence:         f.Violence,
		sigViolenceExclude:  f.ViolenceExclude,
		sigDetention:        f.Detention,
		sigDetentionExclude: f.DetentionExclude,
		sigSelfHarm:         f.SelfHarm,
		sigSelfHarmExclude:  f.SelfHarmExclude,
		sigDeadline:         f.DeadlineWords,
		sigDeadlineExclude:  f.DeadlineExclude,
		sigSoon:             f.SoonWords,
		sigSoonExclude:      f.SoonExclude,
		sigLater:            f.LaterWords,
		sigGreeting:         f.Greeting,
		sigThanks:           f.Thanks,
		sigGoodbye:          f.Goodbye,
		sigAboutBot:         f.AboutBot,
		sigSmallTalkFillers: f.SmallTalkFillers,
	}
}

// sigPhrase is one normalized phrase of one list.
type sigPhrase struct {
	text string
	list sigList
	// left and right are the rune classes that may not stand just before
	// and just after the phrase (0: any rune may).
	left, right uint8
}

// Rune classes for the boundary rules.
const (
	classOther   uint8 = iota
	classWord          // a Latin (non-Han) letter or a digit
	classNumeral       // a Chinese numeral
)

//go:embed signals/*.yaml
var embeddedSignals embed.FS

var defaultDetector = sync.OnceValue(func() *Detector {
	sub, err := fs.Sub(embeddedSignals, "signals")
	if err == nil {
		var d *Detector
		if d, err = NewDetector(sub); err == nil {
			return d
		}
	}
	panic("bot: embedded signal lists are broken: " + err.Error())
})

// DefaultDetector returns the detector built from the embedded
// bot/signals/*.yaml. It is built once and shared. It panics only if the
// embedded files are broken, which TestSignalEmbeddedListsLoad rules out.
func DefaultDetector() *Detector { return defaultDetector() }

// NewDetector builds a detector from every <lang>.yaml file at the top of
// fsys. The lists of all files are merged, because a citizen may mix
// languages in one message; a file's sets are visible in that file only.
// An unreadable file, an unknown key, a broken pattern or a phrase that
// contains sentence punctuation is an error naming the file and list.
func NewDetector(fsys fs.FS) (*Detector, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	if len(files) == 0 {
		return nil, errors.New("signals: no *.yaml lists found")
	}
	d := &Detector{out: [][]int32{nil}}
	edges := map[uint64]int32{} // node<<32 | rune → child, while building
	seen := map[sigPhrase]bool{}
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("signals %s: %w", name, err)
		}
		var f signalFile
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("signals %s: %w", name, err)
		}
		for setName, vals := range f.Sets {
			for _, v := range vals {
				if strings.ContainsAny(v, "()|{}") {
					return nil, fmt.Errorf("signals %s: set %s: %q: sets hold plain text, not patterns", name, setName, v)
				}
			}
		}
		for l, patterns := range f.lists() {
			for _, pat := range patterns {
				texts, err := expandSignalPattern(pat, f.Sets)
				if err != nil {
					return nil, fmt.Errorf("signals %s: %s: %q: %w", name, sigListNames[l], pat, err)
				}
				for _, s := range texts {
					p, err := newSigPhrase(s, sigList(l))
					if err != nil {
						return nil, fmt.Errorf("signals %s: %s: %q: %w", name, sigListNames[l], pat, err)
					}
					if !seen[p] {
						seen[p] = true
						d.add(edges, p)
					}
				}
			}
		}
	}
	if len(d.phrases) == 0 {
		return nil, errors.New("signals: the lists hold no phrases")
	}
	d.compact(edges)
	return d, nil
}

// newSigPhrase normalizes s as messages are and works out its boundaries.
func newSigPhrase(s string, l sigList) (sigPhrase, error) {
	t := sigNormalize(s)
	if len(t.runes) == 0 {
		return sigPhrase{}, errors.New("empty phrase")
	}
	if slices.ContainsFunc(t.runes, isSigSeparator) {
		return sigPhrase{}, errors.New("a phrase may not contain sentence or clause punctuation")
	}
	p := sigPhrase{text: string(t.runes), list: l}
	switch first := t.class[0]; first {
	case classWord, classNumeral:
		p.left = first
	}
	// A Chinese numeral ending a phrase needs no boundary: "下周一一早" is
	// still 下周一.
	if t.class[len(t.class)-1] == classWord {
		p.right = classWord
	}
	return p, nil
}

// add puts p in the trie, whose edges are in the map while building.
func (d *Detector) add(edges map[uint64]int32, p sigPhrase) {
	node := int32(0)
	for _, r := range p.text {
		k := uint64(node)<<32 | uint64(uint32(r))
		child, ok := edges[k]
		if !ok {
			child = int32(len(d.out))
			d.out = append(d.out, nil)
			edges[k] = child
		}
		node = child
	}
	d.out[node] = append(d.out[node], int32(len(d.phrases)))
	d.phrases = append(d.phrases, p)
}

// compact turns the edge map into the sorted child arrays.
func (d *Detector) compact(edges map[uint64]int32) {
	type edge struct {
		parent int32
		r      rune
		child  int32
	}
	all := make([]edge, 0, len(edges))
	for k, child := range edges {
		all = append(all, edge{int32(k >> 32), rune(uint32(k)), child})
	}
	slices.SortFunc(all, func(a, b edge) int {
		if a.parent != b.parent {
			return int(a.parent - b.parent)
		}
		return int(a.r - b.r)
	})
	d.first = make([]int32, len(d.out)+1)
	d.kidRune = make([]rune, len(all))
	d.kidNode = make([]int32, len(all))
	for i, e := range all {
		d.kidRune[i], d.kidNode[i] = e.r, e.child
		d.first[e.parent+1] = int32(i + 1)
	}
	// Nodes without children start where the previous node ended.
	for n := 1; n < len(d.first); n++ {
		d.first[n] = max(d.first[n], d.first[n-1])
	}
}

// child returns node's child along r.
func (d *Detector) child(node int32, r rune) (int32, bool) {
	lo, hi := int(d.first[node]), int(d.first[node+1])
	if hi-lo > 8 {
		k, ok := slices.BinarySearch(d.kidRune[lo:hi], r)
		if !ok {
			return 0, false
		}
		return d.kidNode[lo+k], true
	}
	for k := lo; k < hi; k++ {
		if d.kidRune[k] == r {
			return d.kidNode[k], true
		}
	}
	return 0, false
}

// expandSignalPattern returns every phrase a pattern stands for. A pattern
// is text with groups "(a|b|)" — one of the alternatives, "" included —
// and set references "{name}" — one of the file's sets[name]. Groups do not
// nest.
func expandSignalPattern(pat string, sets map[string][]string) ([]string, error) {
	var parts [][]string
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, []string{lit.String()})
			lit.Reset()
		}
	}
	// Byte-wise is safe: the syntax is ASCII, which never occurs inside a
	// UTF-8 multi-byte rune.
	for i := 0; i < len(pat); {
		switch c := pat[i]; c {
		case '(':
			end := strings.IndexByte(pat[i+1:], ')')
			if end < 0 {
				return nil, errors.New("unclosed (")
			}
			body := pat[i+1 : i+1+end]
			if strings.ContainsAny(body, "({}") {
				return nil, errors.New("groups may not nest or hold sets")
			}
			flush()
			parts = append(parts, strings.Split(body, "|"))
			i += end + 2
		case '{':
			end := strings.IndexByte(pat[i+1:], '}')
			if end < 0 {
				return nil, errors.New("unclosed {")
			}
			name := pat[i+1 : i+1+end]
			vals, ok := sets[name]
			if !ok || len(vals) == 0 {
				return nil, fmt.Errorf("unknown or empty set {%s}", name)
			}
			flush()
			parts = append(parts, vals)
			i += end + 2
		case ')', '}', '|':
			return nil, fmt.Errorf("unexpected %q outside a group", c)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	total := 1
	for _, p := range parts {
		total *= len(p)
		if total > maxExpansions {
			return nil, fmt.Errorf("expands to more than %d phrases", maxExpansions)
		}
	}
	out := []string{""}
	for _, p := range parts {
		next := make([]string, 0, len(out)*len(p))
		for _, o := range out {
			for _, alt := range p {
				next = append(next, o+alt)
			}
		}
		out = next
	}
	return out, nil
}

// sigText is a normalized message.
type sigText struct {
	runes []rune
	class []uint8
	// clauses and sentences hold the index of each one's first rune, in
	// ascending order; the first is 0.
	clauses, sentences []int
}

// words counts the words in runes [from, to): a run of Latin letters and
// digits is one word, and so is each Han character.
func (t *sigText) words(from, to int) int {
	n := 0
	for k := from; k < to; k++ {
		switch {
		case t.class[k] == classWord:
			if k == from || t.class[k-1] != classWord {
				n++
			}
		case t.class[k] == classNumeral || unicode.Is(unicode.Han, t.runes[k]):
			n++
		}
	}
	return n
}

// sigNormalize folds s the way phrases and messages are compared (see the
// top of the file) and finds its clauses and sentences.
func sigNormalize(s string) sigText {
	n := utf8.RuneCountInString(s)
	t := sigText{runes: make([]rune, 0, n), class: make([]uint8, 0, n)}
	pendingSpace := false
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			// Common Han characters, most of a Chinese message: nothing to
			// fold, no space, no separator.
			if pendingSpace {
				pendingSpace = false
				if n := len(t.runes); !isHanRune(t.runes[n-1]) {
					t.runes, t.class = append(t.runes, ' '), append(t.class, classOther)
				}
			}
			t.runes, t.class = append(t.runes, r), append(t.class, sigClass(r))
			continue
		}
		r = sigFold(r)
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			pendingSpace = false
			if n := len(t.runes); n > 0 && t.runes[n-1] != '\n' {
				t.runes, t.class = append(t.runes, '\n'), append(t.class, classOther)
			}
			continue
		case r == ' ' || r == '\t' || r == '\v' || r == '\f' || r >= utf8.RuneSelf && unicode.IsSpace(r):
			pendingSpace = len(t.runes) > 0 && t.runes[len(t.runes)-1] != '\n'
			continue
		case r >= utf8.RuneSelf && unicode.Is(unicode.Cf, r): // zero-width and other invisible format runes
			continue
		}
		if pendingSpace {
			pendingSpace = false
			// Chinese needs no spaces; "转 人工" is typed for "转人工".
			if n := len(t.runes); !(isHanRune(t.runes[n-1]) && isHanRune(r)) {
				t.runes, t.class = append(t.runes, ' '), append(t.class, classOther)
			}
		}
		t.runes, t.class = append(t.runes, r), append(t.class, sigClass(r))
	}
	if n := len(t.runes); n > 0 && t.runes[n-1] == '\n' {
		t.runes, t.class = t.runes[:n-1], t.class[:n-1]
	}
	t.clauses, t.sentences = make([]int, 1, 8), make([]int, 1, 4)
	for i, r := range t.runes {
		if r == '.' && i > 0 && i+1 < len(t.runes) && isDigitRune(t.runes[i-1]) && isDigitRune(t.runes[i+1]) {
			continue // 3.5
		}
		switch r {
		case '.', '!', '?', ';', '\n', '。', '…':
			t.sentences = append(t.sentences, i+1)
			t.clauses = append(t.clauses, i+1)
		case ',', '、':
			t.clauses = append(t.clauses, i+1)
		}
	}
	return t
}

// isSigSeparator reports whether r may end a clause or sentence.
func isSigSeparator(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '\n', '。', '…', ',', '、':
		return true
	}
	return false
}

// sigFold is the knowledge index's folding (full-width to half-width, lower
// case) plus typographic apostrophes and dashes to ASCII, which phrases such
// as "don't" and "lay-off" need.
func sigFold(r rune) rune {
	switch {
	case r == '\u2018' || r == '\u2019' || r == '\u02BC' || r == '\u2032':
		return '\''
	case r >= '\u2010' && r <= '\u2015' || r == '\u2212':
		return '-'
	}
	return knowledge.FoldRune(r)
}

func sigClass(r rune) uint8 {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || isDigitRune(r) {
			return classWord
		}
		return classOther
	}
	switch r {
	case '零', '〇', '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '几':
		return classNumeral
	}
	if isHanRune(r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return classOther
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return classWord
	}
	return classOther
}

func isHanRune(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

func isDigitRune(r rune) bool { return '0' <= r && r <= '9' }

// sigMatch is one occurrence of a phrase in a message: runes [start, end).
type sigMatch struct {
	start, end int
	// clause and sentence number the clause and sentence that hold start.
	clause, sentence int
	list             sigList
	phrase           int32
	hidden           bool // inside a match of the list's exclude list
}

// scan finds every occurrence of every phrase in t.
func (d *Detector) scan(t *sigText) []sigMatch {
	var ms []sigMatch
	rs := t.runes
	clause, sentence := 0, 0
	for i := range rs {
		for clause+1 < len(t.clauses) && t.clauses[clause+1] <= i {
			clause++
		}
		for sentence+1 < len(t.sentences) && t.sentences[sentence+1] <= i {
			sentence++
		}
		// A phrase that starts with a letter, digit or Chinese numeral may
		// not start inside a run of them: skip the walk.
		if c := t.class[i]; rs[i] == ' ' || (c != classOther && i > 0 && t.class[i-1] == c) {
			continue
		}
		node := int32(0)
		for j := i; j < len(rs); j++ {
			child, ok := d.child(node, rs[j])
			if !ok {
				break
			}
			node = child
			for _, id := range d.out[node] {
				p := &d.phrases[id]
				if p.left != classOther && i > 0 && t.class[i-1] == p.left {
					continue
				}
				if p.right != classOther && j+1 < len(rs) && t.class[j+1] == p.right {
					continue
				}
				ms = append(ms, sigMatch{start: i, end: j + 1, clause: clause, sentence: sentence, list: p.list, phrase: id})
			}
		}
	}
	return ms
}

// Detect reads one message. It never fails: a message with nothing in it
// gives the zero Signals.
func (d *Detector) Detect(text string) Signals {
	t := sigNormalize(text)
	ms := d.scan(&t)
	if len(ms) == 0 {
		return Signals{}
	}
	for i := range ms {
		ex, ok := sigExclusion[ms[i].list]
		if !ok {
			continue
		}
		for _, x := range ms {
			if x.list == ex && x.start <= ms[i].start && ms[i].end <= x.end {
				ms[i].hidden = true
				break
			}
		}
	}

	var s Signals
	var used []sigMatch
	for _, m := range ms {
		if m.list == sigHuman && !m.hidden && !d.humanCancelled(&t, ms, m) {
			s.WantsHuman = true
			used = append(used, m)
		}
	}
	if !s.WantsHuman {
		if alone := d.humanAlone(&t, ms); len(alone) > 0 {
			s.WantsHuman = true
			used = append(used, alone...)
		}
	}

	s.SmallTalk = d.smallTalk(&t, ms)

	raise := func(u Urgency) { s.Urgency = max(s.Urgency, u) }
	for _, m := range ms {
		if m.hidden {
			continue
		}
		switch m.list {
		case sigViolence:
			raise(UrgencyViolence)
		case sigDetention:
			raise(UrgencyDetention)
		case sigSelfHarm:
			raise(UrgencySelfHarm)
		case sigDeadline:
			if soon, ok := d.soonFor(ms, m); ok {
				raise(UrgencyDeadline)
				used = append(used, soon)
			} else {
				continue
			}
		default:
			continue
		}
		used = append(used, m)
	}

	slices.SortFunc(used, func(a, b sigMatch) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return a.end - b.end
	})
	for _, m := range used {
		// "说要杀了我" is reported, not also "要杀了我" and "杀了我".
		inside := slices.ContainsFunc(used, func(o sigMatch) bool {
			return o.start <= m.start && m.end <= o.end && o.end-o.start > m.end-m.start
		})
		if p := d.phrases[m.phrase].text; !inside && !slices.Contains(s.Matched, p) {
			s.Matched = append(s.Matched, p)
		}
	}
	return s
}

// humanCancelled reports whether a human match is vetoed by its clause or
// negated by a phrase just before it.
func (d *Detector) humanCancelled(t *sigText, ms []sigMatch, m sigMatch) bool {
	for _, x := range ms {
		switch {
		case x.clause != m.clause:
		case x.list == sigHumanVeto:
			return true
		case x.list == sigHumanNegation && x.start < m.start &&
			t.words(x.end, m.start) <= maxNegationGap:
			return true
		}
	}
	return false
}

// humanAlone returns the human_alone matches when they and the fillers are
// every word of the message, nil otherwise.
func (d *Detector) humanAlone(t *sigText, ms []sigMatch) []sigMatch {
	var alone []sigMatch
	for _, m := range ms {
		if m.list == sigHumanAlone && !m.hidden {
			alone = append(alone, m)
		}
	}
	if len(alone) == 0 || !everyWord(t, ms, func(m sigMatch) bool {
		return (m.list == sigHumanAlone && !m.hidden) || m.list == sigHumanFillers
	}) {
		return nil
	}
	return alone
}

// everyWord reports whether the matches that pass keep cover every letter
// and digit of the message.
func everyWord(t *sigText, ms []sigMatch, keep func(sigMatch) bool) bool {
	covered := make([]bool, len(t.runes))
	for _, m := range ms {
		if keep(m) {
			for k := m.start; k < m.end; k++ {
				covered[k] = true
			}
		}
	}
	for k, r := range t.runes {
		if !covered[k] && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// smallTalkKind maps the small-talk lists to their kinds.
var smallTalkKind = map[sigList]SmallTalk{
	sigGreeting: SmallTalkGreeting, sigGoodbye: SmallTalkGoodbye,
	sigThanks: SmallTalkThanks, sigAboutBot: SmallTalkAboutBot,
}

// smallTalk returns the message's small-talk kind when small-talk phrases
// and fillers are every word of it, SmallTalkNone otherwise.
func (d *Detector) smallTalk(t *sigText, ms []sigMatch) SmallTalk {
	kind := SmallTalkNone
	for _, m := range ms {
		kind = max(kind, smallTalkKind[m.list])
	}
	if kind == SmallTalkNone || !everyWord(t, ms, func(m sigMatch) bool {
		_, talk := smallTalkKind[m.list]
		return talk || m.list == sigSmallTalkFillers
	}) {
		return SmallTalkNone
	}
	return kind
}

// soonFor finds the soon word that makes deadline match m urgent: one in
// its clause, or else one in its sentence when m's clause has no later word.
func (d *Detector) soonFor(ms []sigMatch, m sigMatch) (sigMatch, bool) {
	var inSentence *sigMatch
	later := false
	for i, x := range ms {
		if x.sentence != m.sentence {
			continue
		}
		switch {
		case x.list == sigSoon && !x.hidden:
			if x.clause == m.clause {
				return x, true
			}
			if inSentence == nil {
				inSentence = &ms[i]
			}
		case x.list == sigLater && x.clause == m.clause:
			later = true
		}
	}
	if inSentence != nil && !later {
		return *inSentence, true
	}
	return sigMatch{}, false
}
