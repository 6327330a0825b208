package knowledge

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Analyzer turns text into index terms. Chinese runs are first cut at
// function words (的, 了, 什么, 怎么办, 可以 …: a few dozen, listed in
// hanStop), then each piece becomes its characters (unigrams) and its
// character bigrams. This needs no dictionary, survives a wrong character in
// a word (the unigrams still meet), and keeps "junction" bigrams such as 么人
// (from 什么人) or 人可 (from 人可以) out of the index, where their rarity
// would otherwise make them the heaviest terms of a question. Latin words are
// lowercased, stop words dropped and suffixes stripped. Phrases of the
// synonym lexicon add a concept term ("~wages") wherever any of their
// variants occurs, so 老板, 用人单位 and "employer" meet in the index.
type Analyzer struct {
	lex *Lexicon
}

// NewAnalyzer returns an analyzer using the lexicon (nil for none).
func NewAnalyzer(lex *Lexicon) *Analyzer { return &Analyzer{lex: lex} }

// termKind says what a term stands for; the index weighs kinds differently.
type termKind uint8

const (
	kindBigram  termKind = iota // two adjacent Chinese characters
	kindUnigram                 // one Chinese character
	kindWord                    // a Latin word (stemmed) or a number
	kindConcept                 // a lexicon concept, "~wages"
	numKinds
)

// token is one term occurrence. Chinese unigrams and bigrams are kept as
// their runes packed in han (no string is built for them: indexing is
// dominated by them); words and concepts as text.
type token struct {
	han  uint64
	text string
	kind termKind
}

// hanKey packs one or two runes into a token key; the high bit keeps it
// non-zero.
func hanKey(r1, r2 rune) uint64 { return 1<<63 | uint64(r1)<<21 | uint64(r2) }

// String is the term as text.
func (t token) String() string {
	if t.han == 0 {
		return t.text
	}
	r1, r2 := rune(t.han>>21&0x1FFFFF), rune(t.han&0x1FFFFF)
	if r2 == 0 {
		return string(r1)
	}
	return string([]rune{r1, r2})
}

// Terms returns the text's terms, with repetitions (for term frequency).
func (a *Analyzer) Terms(text string) []string {
	toks := a.tokens(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.String()
	}
	return out
}

// isHan reports whether r is a Chinese character, testing the main CJK
// block before the full Unicode table.
func isHan(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true
	}
	return r >= 0x3400 && unicode.Is(unicode.Han, r)
}

// tokens analyses text into typed terms, in text order, concepts last.
func (a *Analyzer) tokens(text string) []token {
	norm := normalize(text)
	runes := []rune(norm)
	toks := make([]token, 0, 2*len(runes))
	var words []string // stemmed Latin words, for lexicon matching
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case isHan(r):
			j := i
			for j < len(runes) && isHan(runes[j]) {
				j++
			}
			toks = hanTokens(toks, runes[i:j])
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(runes) && (unicode.IsLetter(runes[j]) || unicode.IsDigit(runes[j]) || runes[j] == '\'') && !isHan(runes[j]) {
				j++
			}
			w := strings.Trim(string(runes[i:j]), "'")
			w = strings.TrimSuffix(w, "'s")
			if w != "" && !stopWords[w] {
				s := stem(w)
				toks = append(toks, token{text: s, kind: kindWord})
				words = append(words, s)
			} else if w != "" {
				words = append(words, w)
			}
			i = j
		default:
			i++
		}
	}
	if a != nil && a.lex != nil {
		for _, c := range a.lex.concepts(norm, words) {
			toks = append(toks, token{text: c, kind: kindConcept})
		}
	}
	return toks
}

// hanTokens appends the unigrams and bigrams of a run of Chinese characters,
// cut at function words.
func hanTokens(toks []token, run []rune) []token {
	piece := func(p []rune) {
		for k, r := range p {
			toks = append(toks, token{han: hanKey(r, 0), kind: kindUnigram})
			if k+1 < len(p) {
				toks = append(toks, token{han: hanKey(r, p[k+1]), kind: kindBigram})
			}
		}
	}
	start := 0
	for i := 0; i < len(run); {
		if n := hanStopAt(run[i:]); n > 0 {
			piece(run[start:i])
			i += n
			start = i
			continue
		}
		i++
	}
	piece(run[start:])
	return toks
}

// hanStopAt returns the length of the longest function word at the start of
// run, 0 if none.
func hanStopAt(run []rune) int {
	for _, w := range hanStopByFirst[run[0]] {
		if len(w) <= len(run) && slices.Equal(w, run[:len(w)]) {
			return len(w)
		}
	}
	return 0
}

// hanStopByFirst indexes hanStop by first character, longest words first.
var hanStopByFirst = func() map[rune][][]rune {
	m := map[rune][][]rune{}
	for w := range hanStop {
		r := []rune(w)
		m[r[0]] = append(m[r[0]], r)
	}
	for _, ws := range m {
		slices.SortFunc(ws, func(a, b []rune) int { return len(b) - len(a) })
	}
	return m
}()

// hanStop lists Chinese function words: question words, pronouns, particles
// and connectives that carry no legal content. Characters that also start
// content words are left out (就 of 就业, 还 of 还钱, 在 of 在职, 对 of 对方,
// 和 of 和解, 给 of 不给钱, 让 of 转让, 有 of 有效, 没有), so the list only ever
// cuts where nothing is lost.
var hanStop = setOf(
	"的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "哦", "哈", "嗯", "啦", "哎", "喂",
	"我", "你", "您", "他", "她", "它", "咱", "俺", "谁", "哪", "啥", "咋", "是", "这", "那", "其",
	"我们", "你们", "他们", "她们", "咱们", "自己", "人家", "大家",
	"什么", "怎么", "怎样", "怎么样", "怎么办", "咋办", "咋整", "如何", "为什么", "为何", "哪些", "哪里", "哪儿", "哪个", "多少", "几个",
	"是否", "是不是", "可以", "可不可以", "能否", "能不能", "能够", "会不会", "要不要", "有没有", "应该", "应当", "需要", "请问", "一下",
	"这个", "那个", "这些", "那些", "这样", "那样", "这种", "那种", "其他", "其它",
	"因为", "所以", "但是", "可是", "如果", "要是", "假如", "或者", "还是", "以及", "并且", "而且", "然后", "已经", "现在", "一直", "还有",
	"您好", "你好", "谢谢", "非常", "比较", "一个", "一些", "一点",
)

// normalize folds full-width ASCII to half-width and lowercases, so ＡＢＣ１ and
// abc1 are one term.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

// stem strips common English suffixes: enough to meet "fired" with "fire"
// and "wages" with "wage", without a stemming library's weight.
func stem(w string) string {
	if len(w) <= 3 || !isASCII(w) {
		return w
	}
	for _, s := range []struct{ suffix, repl string }{
		{"ies", "y"}, {"ied", "y"}, {"ing", ""}, {"ed", ""}, {"es", "e"}, {"s", ""},
	} {
		if strings.HasSuffix(w, s.suffix) && len(w)-len(s.suffix) >= 3 {
			base := w[:len(w)-len(s.suffix)] + s.repl
			if s.suffix == "s" && strings.HasSuffix(w, "ss") {
				return w
			}
			// "stopped" → "stop", "hired" → "hire" via the e-suffix rule below.
			if (s.suffix == "ing" || s.suffix == "ed") && len(base) >= 3 {
				if n := len(base); base[n-1] == base[n-2] && !strings.ContainsRune("lsz", rune(base[n-1])) {
					base = base[:n-1]
				}
			}
			return strings.TrimSuffix(base, "e")
		}
	}
	return strings.TrimSuffix(w, "e")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var stopWords = setOf(
	"a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from",
	"is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "have", "has", "had",
	"i", "me", "my", "mine", "we", "our", "you", "your", "he", "him", "his", "she", "her", "it", "its", "they", "them", "their",
	"this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "how", "when", "where", "why",
	"can", "could", "should", "would", "will", "shall", "may", "might", "must", "so", "as", "than", "then", "too", "very",
	"just", "about", "into", "out", "up", "down", "over", "again", "also", "any", "some", "all", "not", "no",
	"s", "t", "don", "doesn", "didn", "won", "isn", "aren", "wasn", "please", "hi", "hello", "thanks", "thank", "get", "got",
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Lexicon maps the words citizens use to the concepts the law uses: each
// group lists variants (老板, 用人单位, employer) that stand for one concept.
// It is data (synonyms.yaml), editable by an office without code changes.
type Lexicon struct {
	groups []lexGroup
	// byFirst indexes Han variants by their first rune, Latin ones by their
	// first word, so matching costs a lookup per position, not per variant.
	hanByFirst  map[rune][]lexVariant
	wordByFirst map[string][]lexVariant
}

type lexGroup struct {
	ID       string   `yaml:"id"`
	Variants []string `yaml:"terms"`
}

type lexVariant struct {
	concept string
	han     string   // normalized Han (or mixed) text, matched as a substring
	words   []string // stemmed Latin words, matched as a sequence
}

// LexiconFile is the synonym lexicon's name at the root of a knowledge-base folder.
const LexiconFile = "synonyms.yaml"

// LoadLexicon reads synonyms.yaml from the knowledge-base folder; a missing
// file is an empty lexicon.
func LoadLexicon(fsys fs.FS) (*Lexicon, error) {
	data, err := fs.ReadFile(fsys, LexiconFile)
	if err != nil {
		return NewLexicon(nil), nil
	}
	var groups []lexGroup
	if err := yaml.Unmarshal(data, &groups); err != nil {
		return nil, fmt.Errorf("%s: %w", LexiconFile, err)
	}
	for i, g := range groups {
		if g.ID == "" || len(g.Variants) < 2 {
			return nil, fmt.Errorf("%s: group %d needs an id and at least two terms", LexiconFile, i+1)
		}
	}
	return NewLexicon(groups), nil
}

// NewLexicon builds a lexicon from groups of (id, variants).
func NewLexicon(groups []lexGroup) *Lexicon {
	l := &Lexicon{groups: groups, hanByFirst: map[rune][]lexVariant{}, wordByFirst: map[string][]lexVariant{}}
	for _, g := range groups {
		concept := "~" + g.ID
		for _, v := range g.Variants {
			n := normalize(strings.TrimSpace(v))
			if n == "" {
				continue
			}
			first := []rune(n)[0]
			if unicode.Is(unicode.Han, first) {
				l.hanByFirst[first] = append(l.hanByFirst[first], lexVariant{concept: concept, han: n})
				continue
			}
			var ws []string
			for _, w := range strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if !stopWords[w] {
					ws = append(ws, stem(w))
				} else {
					ws = append(ws, w)
				}
			}
			if len(ws) > 0 {
				l.wordByFirst[ws[0]] = append(l.wordByFirst[ws[0]], lexVariant{concept: concept, words: ws})
			}
		}
	}
	return l
}

// Len is the number of concept groups.
func (l *Lexicon) Len() int { return len(l.groups) }

// concepts returns the concept terms whose variants occur in the text, each once.
func (l *Lexicon) concepts(norm string, words []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	if len(l.hanByFirst) > 0 {
		for i, r := range norm {
			for _, v := range l.hanByFirst[r] {
				if strings.HasPrefix(norm[i:], v.han) {
					add(v.concept)
				}
			}
		}
	}
	for i, w := range words {
		for _, v := range l.wordByFirst[w] {
			if i+len(v.words) <= len(words) && equalWords(words[i:i+len(v.words)], v.words) {
				add(v.concept)
			}
		}
	}
	return out
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
