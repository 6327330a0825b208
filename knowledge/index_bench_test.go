package knowledge_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/legalbot/legalbot/knowledge"
)

// The index's budget: search p99 ≤ 1 ms at 2,000 entries and ≤ 5 ms at
// 50,000; building 50,000 entries ≤ 5 s in ≤ 300 MB. Run
//
//	go test ./knowledge/ -run '^$' -bench Search -benchtime 2000x
//	go test ./knowledge/ -run '^$' -bench Build -benchtime 1x
//
// and read p50_ms, p99_ms, build_s and heap_MB (the heap the built index
// holds).

// synthetic makes a knowledge base of n entries that look like the real
// ones to the index: Chinese questions and answers built from a vocabulary
// of two- to four-character words drawn with a Zipf law (a few words are in
// every entry, most in few), often joined by function words, plus English
// questions and an answer. An entry has about as many distinct terms as a
// built-in one (about 450).
type synthetic struct {
	rng   *rand.Rand
	zh    []string
	en    []string
	zipfZ *rand.Zipf
	zipfE *rand.Zipf
}

// hanRange is the CJK block the words' characters come from.
const hanFirst, hanCount = 0x4E00, 3500

func newSynthetic(seed uint64) *synthetic {
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	s := &synthetic{rng: rng}
	for range 20000 {
		n := 2 + rng.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteRune(rune(hanFirst + rng.IntN(hanCount)))
		}
		s.zh = append(s.zh, b.String())
	}
	for range 8000 {
		n := 3 + rng.IntN(7)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		s.en = append(s.en, string(b))
	}
	s.zipfZ = rand.NewZipf(rng, 1.1, 2, uint64(len(s.zh)-1))
	s.zipfE = rand.NewZipf(rng, 1.1, 2, uint64(len(s.en)-1))
	return s
}

func (s *synthetic) zhText(words int, punct string) string {
	var b strings.Builder
	for i := range words {
		b.WriteString(s.zh[s.zipfZ.Uint64()])
		switch {
		case i%6 == 5:
			b.WriteString(punct)
		case s.rng.IntN(2) == 0:
			// Function words join content words in real text.
			b.WriteString(functionWords[s.rng.IntN(len(functionWords))])
		}
	}
	return b.String()
}

var functionWords = []string{"的", "了", "是", "在", "和", "可以", "应当", "如果", "我"}

func (s *synthetic) enText(words int) string {
	ws := make([]string, words)
	for i := range ws {
		ws[i] = s.en[s.zipfE.Uint64()]
	}
	return strings.Join(ws, " ")
}

func (s *synthetic) kb(n int) *knowledge.KB {
	cats := make([]knowledge.Category, 16)
	for i := range cats {
		cats[i] = knowledge.Category{ID: fmt.Sprintf("c%d", i), Names: map[string]string{"zh": s.zhText(2, ""), "en": s.enText(2)}}
	}
	entries := make([]*knowledge.Entry, n)
	for i := range entries {
		var zq, eq []string
		for range 3 + s.rng.IntN(4) {
			zq = append(zq, s.zhText(3+s.rng.IntN(5), "，")+"？")
		}
		for range 1 + s.rng.IntN(3) {
			eq = append(eq, s.enText(5+s.rng.IntN(8))+"?")
		}
		entries[i] = &knowledge.Entry{
			ID: fmt.Sprintf("e%d", i), Category: cats[i%len(cats)].ID, Status: knowledge.Published,
			Tags: []string{s.zhText(1, ""), s.zhText(2, ""), s.enText(2)},
			Text: map[string]knowledge.Text{
				"zh": {Questions: zq, Answer: s.zhText(40+s.rng.IntN(50), "。")},
				"en": {Questions: eq, Answer: s.enText(40 + s.rng.IntN(60))},
			},
		}
	}
	return knowledge.NewKB(cats, entries)
}

// queries mixes what citizens send: a question of an entry with a word
// changed, a long story around one, English, and words no entry has.
func (s *synthetic) queries(kb *knowledge.KB, n int) []string {
	out := make([]string, n)
	for i := range out {
		e := kb.Entries[s.rng.IntN(len(kb.Entries))]
		switch i % 4 {
		case 0:
			q := e.Text["zh"].Questions[0]
			out[i] = s.zhText(1, "") + q[len(q)/3:]
		case 1:
			out[i] = s.zhText(20, "，") + e.Text["zh"].Questions[0] + s.zhText(15, "，")
		case 2:
			out[i] = e.Text["en"].Questions[0]
		default:
			out[i] = s.zhText(4, "")
		}
	}
	return out
}

func benchmarkSearch(b *testing.B, n int) {
	s := newSynthetic(1)
	kb := s.kb(n)
	ix := knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil))
	qs := s.queries(kb, 1000)
	policy := shippedPolicy()
	// Warm the pool and the caches.
	for _, q := range qs[:50] {
		policy.Decide(ix.Search(knowledge.Query{Text: q}))
	}
	times := make([]time.Duration, 0, b.N)
	runtime.GC()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		policy.Decide(ix.Search(knowledge.Query{Text: qs[i%len(qs)]}))
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

func BenchmarkSearch2k(b *testing.B)  { benchmarkSearch(b, 2000) }
func BenchmarkSearch50k(b *testing.B) { benchmarkSearch(b, 50000) }

// BenchmarkBuild50k reports the time to index 50,000 entries and the heap
// the index holds.
func BenchmarkBuild50k(b *testing.B) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	kb := newSynthetic(2).kb(50000)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/(1<<20), "kb_heap_MB")
	var ix *knowledge.Index
	var heapMB, seconds float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		ix = knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil))
		seconds = time.Since(start).Seconds()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heapMB = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	}
	b.ReportMetric(seconds, "build_s")
	b.ReportMetric(heapMB, "heap_MB")
	// The process's peak resident set: the synthetic knowledge base, the
	// index and the build's scratch space, as the bot would hold them.
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak_rss_MB")
	}
	// And what stays resident once the build's scratch space is returned to
	// the system, as the bot does after building its index.
	debug.FreeOSMemory()
	if statm, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, resident int64
		if _, err := fmt.Sscan(string(statm), &size, &resident); err == nil {
			b.ReportMetric(float64(resident*int64(os.Getpagesize()))/(1<<20), "rss_MB")
		}
	}
	runtime.KeepAlive(ix)
	runtime.KeepAlive(kb)
}

// The synthetic knowledge base finds its own questions: the benchmark
// measures a working index, not an empty one.
func TestSyntheticKBFindsItsQuestions(t *testing.T) {
	s := newSynthetic(3)
	kb := s.kb(300)
	ix := knowledge.NewIndex(kb, knowledge.NewAnalyzer(nil))
	found := 0
	for _, e := range kb.Entries[:100] {
		hits := ix.Search(knowledge.Query{Text: e.Text["zh"].Questions[0]})
		if len(hits) > 0 && hits[0].Entry == e {
			found++
		}
	}
	if found < 90 {
		t.Errorf("%d of 100 questions find their entry first", found)
	}
}
