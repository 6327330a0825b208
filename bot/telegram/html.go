package telegram

import (
	"strings"
	"unicode/utf16"

	"github.com/legalbot/legalbot/bot"
)

// MaxMessageLength is Telegram's limit on a message's text, in UTF-16 code units.
const MaxMessageLength = 4096

// escapeHTML escapes the three characters Telegram's HTML mode reserves.
// (html.EscapeString also writes &#39; and &#34;, which are legal but noisy.)
var escapeHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// renderHTML renders a reply in Telegram HTML: the title bold, everything escaped.
func renderHTML(r bot.Reply) string {
	body := escapeHTML(r.Text)
	if r.Title == "" {
		return body
	}
	return "<b>" + escapeHTML(r.Title) + "</b>\n\n" + body
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// splitMessage cuts text into chunks of at most max UTF-16 units, at
// paragraph boundaries where possible, then at line ends, then at spaces,
// then anywhere. Chunks never cut an HTML tag or entity of renderHTML's
// output: tags occur only in the first line, entities are never split
// because cuts fall on rune boundaries outside "&…;".
func splitMessage(text string, max int) []string {
	if utf16Len(text) <= max {
		return []string{text}
	}
	var chunks []string
	for utf16Len(text) > max {
		cut := cutPoint(text, max)
		chunk := strings.TrimRight(text[:cut], " \n")
		if chunk != "" {
			chunks = append(chunks, chunk)
		}
		text = strings.TrimLeft(text[cut:], " \n")
	}
	if text != "" {
		chunks = append(chunks, text)
	}
	return chunks
}

// cutPoint returns the byte offset to cut text at so the head fits max units.
func cutPoint(text string, max int) int {
	limit := 0 // byte offset of the longest prefix that fits
	units := 0
	for i, r := range text {
		units += utf16.RuneLen(r)
		if units > max {
			break
		}
		limit = i + len(string(r))
	}
	head := text[:limit]
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(head, sep); i > limit/2 {
			return i + len(sep)
		}
	}
	// No separator in the second half: cut anywhere, but not inside an entity.
	if amp := strings.LastIndex(head, "&"); amp >= 0 && !strings.Contains(head[amp:], ";") {
		return amp
	}
	return limit
}
