package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ParseHTML checks text the way the fake checks messages sent with
// parse_mode "HTML" and returns the plain text the recipient would see
// together with the message entities (offsets and lengths in UTF-16 code
// units, as in the Bot API).
//
// The accepted markup is Telegram's HTML subset: the tags b, strong, i, em,
// u, ins, s, strike, del, a (href), code (class="language-…"), pre,
// tg-spoiler, span (class="tg-spoiler"), tg-emoji (emoji-id) and blockquote
// (expandable), properly nested and closed. Outside tags every '<', '>' and
// '&' must be escaped; the named entities &lt; &gt; &amp; &quot; and numeric
// entities (&#39; &#x27;) are supported.
//
// The fake is deliberately a little stricter than the real server, which lets
// a bare '&' or '>' through: the documentation says they must be escaped, and
// text produced with html.EscapeString always passes.
//
// The returned error's message is, with its first letter capitalized, the
// part after "Bad Request: can't parse entities: " in the server's response.
func ParseHTML(text string) (plain string, entities []tgbotapi.MessageEntity, err error) {
	if !utf8.ValidString(text) {
		return "", nil, fmt.Errorf("strings must be encoded in UTF-8")
	}

	type open struct {
		tag      string
		arg      string
		offset   int // in UTF-16 code units
		language string
	}

	var (
		out    strings.Builder
		stack  []open
		utf16  int
		result []tgbotapi.MessageEntity
	)
	// at returns the byte at i or 0 past the end, like a C string.
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}

	for i := 0; i < len(text); {
		c := text[i]
		switch c {
		case '&':
			r, n, msg := decodeEntity(text[i:])
			if msg != "" {
				return "", nil, fmt.Errorf("%s at byte offset %d", msg, i)
			}
			out.WriteRune(r)
			utf16 += runeUTF16Len(r)
			i += n
			continue
		case '>':
			return "", nil, fmt.Errorf("character '>' must be escaped as \"&gt;\" at byte offset %d", i)
		case '<':
			// handled below
		default:
			out.WriteByte(c)
			if c < 0x80 || c >= 0xC0 { // first byte of a UTF-8 sequence
				utf16++
				if c >= 0xF0 { // four-byte sequence: surrogate pair
					utf16++
				}
			}
			i++
			continue
		}

		begin := i
		i++
		if at(i) != '/' {
			// Start tag.
			for !isHTMLSpace(at(i)) && at(i) != '>' {
				i++
			}
			if i >= len(text) {
				return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(text[begin+1 : i])
			if !supportedTags[tag] {
				return "", nil, fmt.Errorf("unsupported start tag %q at byte offset %d", tag, begin)
			}

			var arg string
			for at(i) != '>' {
				for i < len(text) && isHTMLSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				if i >= len(text) {
					return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", begin)
				}
				nameBegin := i
				for !isHTMLSpace(at(i)) && at(i) != '=' && at(i) != '>' {
					i++
				}
				name := strings.ToLower(text[nameBegin:i])
				if name == "" {
					return "", nil, fmt.Errorf("empty attribute name in the tag %q at byte offset %d", tag, begin)
				}
				for i < len(text) && isHTMLSpace(at(i)) {
					i++
				}
				var value string
				if at(i) != '=' {
					// Value-less attribute, e.g. <blockquote expandable>.
					if name != "expandable" {
						return "", nil, fmt.Errorf("expected equal sign in declaration of an attribute of the tag %q at byte offset %d", tag, begin)
					}
				} else {
					i++
					for i < len(text) && isHTMLSpace(at(i)) {
						i++
					}
					if i >= len(text) {
						return "", nil, fmt.Errorf("unclosed start tag %q at byte offset %d", tag, begin)
					}
					if q := at(i); q == '"' || q == '\'' {
						i++
						var v strings.Builder
						for i < len(text) && at(i) != q {
							if at(i) == '&' {
								if r, n, msg := decodeEntity(text[i:]); msg == "" {
									v.WriteRune(r)
									i += n
									continue
								}
							}
							v.WriteByte(at(i))
							i++
						}
						if i >= len(text) {
							return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", begin)
						}
						i++ // closing quote
						value = v.String()
					} else {
						tokenBegin := i
						for isAlnum(at(i)) || at(i) == '.' || at(i) == '-' {
							i++
						}
						value = strings.ToLower(text[tokenBegin:i])
						if !isHTMLSpace(at(i)) && at(i) != '>' {
							return "", nil, fmt.Errorf("unexpected end of name token at byte offset %d", tokenBegin)
						}
					}
				}
				switch {
				case tag == "a" && name == "href":
					arg = value
				case tag == "code" && name == "class" && strings.HasPrefix(value, "language-"):
					arg = strings.TrimPrefix(value, "language-")
				case tag == "span" && name == "class" && strings.HasPrefix(value, "tg-"):
					arg = strings.TrimPrefix(value, "tg-")
				case tag == "tg-emoji" && name == "emoji-id":
					arg = value
				case tag == "blockquote" && name == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, fmt.Errorf("tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			if tag == "tg-emoji" && arg == "" {
				return "", nil, fmt.Errorf("tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", begin)
			}
			i++ // '>'
			stack = append(stack, open{tag: tag, arg: arg, offset: utf16})
			continue
		}

		// End tag.
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("unexpected end tag at byte offset %d", begin)
		}
		i++ // '/'
		nameBegin := i
		for !isHTMLSpace(at(i)) && at(i) != '>' {
			i++
		}
		endName := strings.ToLower(text[nameBegin:i])
		for i < len(text) && isHTMLSpace(at(i)) {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("unclosed end tag at byte offset %d", begin)
		}
		i++
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if endName != "" && endName != top.tag {
			return "", nil, fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, endName)
		}
		length := utf16 - top.offset
		if length <= 0 {
			continue
		}
		// <pre><code class="language-go">…</code></pre> gives one pre entity
		// with a language.
		if top.tag == "code" && top.arg != "" && len(stack) > 0 {
			if parent := &stack[len(stack)-1]; parent.tag == "pre" && parent.offset == top.offset {
				parent.language = top.arg
				continue
			}
		}
		e := tgbotapi.MessageEntity{Offset: top.offset, Length: length}
		switch top.tag {
		case "b", "strong":
			e.Type = "bold"
		case "i", "em":
			e.Type = "italic"
		case "u", "ins":
			e.Type = "underline"
		case "s", "strike", "del":
			e.Type = "strikethrough"
		case "tg-spoiler", "span":
			e.Type = "spoiler"
		case "code":
			e.Type = "code"
		case "pre":
			e.Type = "pre"
			e.Language = top.language
		case "blockquote":
			e.Type = "blockquote"
			if top.arg != "" {
				e.Type = "expandable_blockquote"
			}
		case "a":
			e.Type = "text_link"
			e.URL = top.arg
			if e.URL == "" {
				continue
			}
		case "tg-emoji":
			e.Type = "custom_emoji"
		}
		result = append(result, e)
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("can't find end tag corresponding to start tag %q", stack[len(stack)-1].tag)
	}
	sort.SliceStable(result, func(a, b int) bool {
		if result[a].Offset != result[b].Offset {
			return result[a].Offset < result[b].Offset
		}
		return result[a].Length > result[b].Length
	})
	return out.String(), result, nil
}

var supportedTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true,
	"u": true, "ins": true, "s": true, "strike": true, "del": true,
	"tg-spoiler": true, "span": true, "tg-emoji": true,
	"code": true, "pre": true, "blockquote": true,
}

// decodeEntity decodes the HTML entity at the start of s (which begins with
// '&'). It returns the rune, the number of bytes consumed, or a non-empty
// error message.
func decodeEntity(s string) (r rune, n int, msg string) {
	end := strings.IndexByte(s, ';')
	if end < 0 || end > 12 {
		return 0, 0, "character '&' must be escaped as \"&amp;\""
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1, ""
	case "gt":
		return '>', end + 1, ""
	case "amp":
		return '&', end + 1, ""
	case "quot":
		return '"', end + 1, ""
	}
	if strings.HasPrefix(name, "#") {
		num, base := name[1:], 10
		if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
			num, base = num[1:], 16
		}
		v, err := strconv.ParseUint(num, base, 32)
		if err == nil && num != "" && num[0] != '+' && v > 0 && v < 0x10FFFF && (v < 0xD800 || v > 0xDFFF) {
			return rune(v), end + 1, ""
		}
		return 0, 0, fmt.Sprintf("invalid numeric HTML entity %q", s[:end+1])
	}
	for _, ch := range []byte(name) {
		if !isAlnum(ch) {
			return 0, 0, "character '&' must be escaped as \"&amp;\""
		}
	}
	if name == "" {
		return 0, 0, "character '&' must be escaped as \"&amp;\""
	}
	return 0, 0, fmt.Sprintf("unsupported HTML entity %q", s[:end+1])
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v' || c == '\f'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func runeUTF16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// UTF16Len returns the length of s in UTF-16 code units, the unit the Bot API
// uses for message length limits and entity offsets.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += runeUTF16Len(r)
	}
	return n
}
