package knowledge

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ArticleNumber is a statute article's number. It reads 30, "30" or "第三十条"
// and prints as 第三十条.
type ArticleNumber int

// String renders the number as a Chinese article reference: 第一千零七十九条.
func (n ArticleNumber) String() string {
	return "第" + ChineseNumeral(int(n)) + "条"
}

// UnmarshalYAML accepts an integer or a Chinese article reference.
func (n *ArticleNumber) UnmarshalYAML(node *yaml.Node) error {
	v, err := ParseArticle(node.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", node.Line, err)
	}
	*n = ArticleNumber(v)
	return nil
}

// MarshalJSON writes the Chinese form, as the interchange format does.
func (n ArticleNumber) MarshalJSON() ([]byte, error) { return json.Marshal(n.String()) }

// UnmarshalJSON accepts a number or a string.
func (n *ArticleNumber) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	v, err := ParseArticle(s)
	*n = ArticleNumber(v)
	return err
}

// ParseArticle reads "30", "第三十条" or "三十" as 30. A trailing 款/项
// reference (第三十条第二款) is ignored.
func ParseArticle(s string) (int, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.Atoi(s); err == nil {
		if v <= 0 {
			return 0, fmt.Errorf("article number must be positive, got %d", v)
		}
		return v, nil
	}
	t := strings.TrimPrefix(s, "第")
	if i := strings.Index(t, "条"); i >= 0 {
		t = t[:i]
	}
	if v, err := strconv.Atoi(t); err == nil && v > 0 {
		return v, nil
	}
	v, ok := parseChineseNumeral(t)
	if !ok || v <= 0 {
		return 0, fmt.Errorf("invalid article number %q (want 30 or 第三十条)", s)
	}
	return v, nil
}

var digits = []rune("零一二三四五六七八九")

// ChineseNumeral writes n (1–9999) the way statutes number articles:
// 10 is 十, 15 is 十五, 105 is 一百零五, 1079 is 一千零七十九.
func ChineseNumeral(n int) string {
	if n <= 0 || n > 9999 {
		return strconv.Itoa(n)
	}
	var b strings.Builder
	units := []struct {
		v int
		r string
	}{{1000, "千"}, {100, "百"}, {10, "十"}}
	zero := false
	started := false
	for _, u := range units {
		d := n / u.v
		n %= u.v
		switch {
		case d > 0:
			if zero {
				b.WriteRune('零')
				zero = false
			}
			// 十五, not 一十五, when the number starts with the tens.
			if !(u.v == 10 && d == 1 && !started) {
				b.WriteRune(digits[d])
			}
			b.WriteString(u.r)
			started = true
		case started:
			zero = true
		}
	}
	if n > 0 {
		if zero {
			b.WriteRune('零')
		}
		b.WriteRune(digits[n])
	}
	return b.String()
}

func parseChineseNumeral(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	total, cur := 0, 0
	for _, r := range s {
		switch r {
		case '零', '〇':
			continue
		case '十', '百', '千':
			mult := map[rune]int{'十': 10, '百': 100, '千': 1000}[r]
			if cur == 0 {
				cur = 1
			}
			total += cur * mult
			cur = 0
		default:
			d := strings.IndexRune(string(digits), r)
			if d < 0 {
				return 0, false
			}
			cur = len([]rune(string(digits)[:d]))
		}
	}
	return total + cur, true
}
