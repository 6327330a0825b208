package knowledge

import (
	"fmt"
	"io/fs"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Analyzer turns text into index terms. Chinese runs become character
// bigrams (a lone character stays a unigram), which needs no dictionary and
// survives a wrong character in a word; Latin words are lowercased, stop
// words dropped and suffixes stripped. Phrases of the synonym lexicon add a
// concept term ("~wages") wherever any of their variants occurs, so 老板,
// 用人单位 and "employer" meet in the index.
type Analyzer struct {
	lex *Lexicon
}

// NewAnalyzer returns an analyzer using the lexicon (nil for none).
func NewAnalyzer(lex *Lexicon) *Analyzer { return &Analyzer{lex: lex} }

// Terms returns the text's terms, with repetitions (for term frequency).
func (a *Analyzer) Terms(text string) []string {
	norm := normalize(text)
	var terms []string
	var words []string // stemmed Latin words, for lexicon matching
	runes := []rune(norm)
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case unicode.Is(unicode.Han, r):
			j := i
			for j < len(runes) && unicode.Is(unicode.Han, runes[j]) {
				j++
			}
			run := runes[i:j]
			if len(run) == 1 {
				terms = append(terms, string(run))
			}
			for k := 0; k+1 < len(run); k++ {
				terms = append(terms, string(run[k:k+2]))
			}
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(runes) && (unicode.IsLetter(runes[j]) || unicode.IsDigit(runes[j]) || runes[j] == '\'') && !unicode.Is(unicode.Han, runes[j]) {
				j++
			}
			w := strings.Trim(string(runes[i:j]), "'")
			w = strings.TrimSuffix(w, "'s")
			if w != "" && !stopWords[w] {
				s := stem(w)
				terms = append(terms, s)
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
		terms = append(terms, a.lex.concepts(norm, words)...)
	}
	return terms
}

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
