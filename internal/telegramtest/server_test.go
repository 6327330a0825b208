package telegramtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/legalbot/legalbot/internal/telegramtest"
)

const token = "123456:TEST-token"

func newBot(t *testing.T, opts ...telegramtest.Option) (*telegramtest.Server, *tgbotapi.BotAPI) {
	t.Helper()
	srv := telegramtest.NewServer(t, append([]telegramtest.Option{telegramtest.WithLogf(t.Logf)}, opts...)...)
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(token, srv.Endpoint())
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return srv, bot
}

// apiError asserts that err is a Bot API error and returns it.
func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an API error, got nil")
	}
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("expected *tgbotapi.Error, got %T: %v", err, err)
	}
	return e
}

func wantAPIError(t *testing.T, err error, code int, desc string) {
	t.Helper()
	e := apiError(t, err)
	if e.Code != code || e.Message != desc {
		t.Fatalf("got error %d %q, want %d %q", e.Code, e.Message, code, desc)
	}
}

func TestGetMe(t *testing.T) {
	srv, bot := newBot(t)
	want := tgbotapi.User{
		ID:            100000,
		IsBot:         true,
		FirstName:     "LegalBot",
		UserName:      "legalbot_test_bot",
		CanJoinGroups: true,
	}
	if diff := cmp.Diff(want, bot.Self); diff != "" {
		t.Errorf("bot.Self mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(srv.Endpoint(), "http://127.0.0.1:") || !strings.HasSuffix(srv.Endpoint(), "/bot%s/%s") {
		t.Errorf("Endpoint() = %q", srv.Endpoint())
	}
	if got := srv.Calls("getMe"); len(got) != 1 || !got[0].OK() {
		t.Errorf("Calls(getMe) = %v", got)
	}
}

func TestUnknownPathAndMethodCase(t *testing.T) {
	srv, bot := newBot(t)
	resp, err := http.Post(srv.URL()+"/nonsense", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"description":"Not Found"`) {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
	// Bot API method names are case-insensitive.
	if _, err := bot.MakeRequest("GETME", nil); err != nil {
		t.Errorf("GETME: %v", err)
	}
	if _, err := bot.MakeRequest("sendSticker", tgbotapi.Params{"chat_id": "1"}); err == nil {
		t.Error("sendSticker: expected 404")
	} else {
		wantAPIError(t, err, 404, "Not Found")
	}
}

func TestSendMessageWithInlineKeyboard(t *testing.T) {
	srv, bot := newBot(t)
	const chat = 4242
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Yes", "answer:yes"),
			tgbotapi.NewInlineKeyboardButtonData("No", "answer:no"),
		),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("Docs", "https://example.com/terms")),
	)
	msg := tgbotapi.NewMessage(chat, "<b>Accept</b> the terms?")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.ReplyMarkup = kb
	got, err := bot.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got.MessageID == 0 || got.Chat == nil || got.Chat.ID != chat || got.Chat.Type != "private" || got.Date == 0 {
		t.Errorf("returned message = %+v", got)
	}
	if got.Text != "Accept the terms?" {
		t.Errorf("returned text = %q, want entities stripped", got.Text)
	}
	if diff := cmp.Diff([]tgbotapi.MessageEntity{{Type: "bold", Offset: 0, Length: 6}}, got.Entities); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&kb, got.ReplyMarkup); diff != "" {
		t.Errorf("returned reply_markup (-want +got):\n%s", diff)
	}

	sent := srv.WaitMessages(t, chat, 1, time.Second)
	s := sent[0]
	if s.Method != "sendMessage" || s.ChatID != chat || s.MessageID != got.MessageID ||
		s.Text != "<b>Accept</b> the terms?" || s.Plain != "Accept the terms?" || s.ParseMode != "HTML" {
		t.Errorf("recorded %+v", s)
	}
	if diff := cmp.Diff(&kb, s.ReplyMarkup); diff != "" {
		t.Errorf("recorded reply_markup (-want +got):\n%s", diff)
	}
	if s.At.IsZero() {
		t.Error("At not recorded")
	}
	if len(srv.MessagesTo(chat+1)) != 0 || len(srv.Messages()) != 1 {
		t.Errorf("Messages() = %v", srv.Messages())
	}

	// Reply to the message just sent.
	reply := tgbotapi.NewMessage(chat, "follow-up")
	reply.ReplyToMessageID = got.MessageID
	r, err := bot.Send(reply)
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	if r.ReplyToMessage == nil || r.ReplyToMessage.MessageID != got.MessageID || r.MessageID <= got.MessageID {
		t.Errorf("reply = %+v", r)
	}
	if s := srv.Messages()[1]; s.ReplyTo != got.MessageID {
		t.Errorf("ReplyTo = %d", s.ReplyTo)
	}
	reply.ReplyToMessageID = 999999999
	_, err = bot.Send(reply)
	wantAPIError(t, err, 400, "Bad Request: message to be replied not found")

	srv.Reset()
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("after Reset: %d calls", n)
	}
}

func TestValidation(t *testing.T) {
	srv, bot := newBot(t)
	long := strings.Repeat("a", 4097)
	emoji := strings.Repeat("😀", 2049) // 4098 UTF-16 code units, 2049 runes
	tests := []struct {
		name string
		c    tgbotapi.Chattable
		desc string // "" = success
	}{
		{"empty text", tgbotapi.NewMessage(1, ""), "Bad Request: message text is empty"},
		{"blank text", tgbotapi.NewMessage(1, "  \n "), "Bad Request: message text is empty"},
		{"no chat", tgbotapi.NewMessage(0, "hi"), "Bad Request: chat not found"},
		{"4096", tgbotapi.NewMessage(1, long[:4096]), ""},
		{"4097", tgbotapi.NewMessage(1, long), "Bad Request: message is too long"},
		{"utf16", tgbotapi.NewMessage(1, emoji), "Bad Request: message is too long"},
		{"utf16 ok", tgbotapi.NewMessage(1, emoji[:len("😀")*2048]), ""},
		{"html tags not counted", htmlMsg("<b>" + long[:4096] + "</b>"), ""},
		{"html escaped", htmlMsg("<b>Hi</b> &lt;name&gt; &amp; co &quot;x&quot; it&#39;s"), ""},
		{"html bare <", htmlMsg("1 < 2"), `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`},
		{"html bare &", htmlMsg("Tom & Jerry"), `Bad Request: can't parse entities: Character '&' must be escaped as "&amp;" at byte offset 4`},
		{"html bare >", htmlMsg("2 > 1"), `Bad Request: can't parse entities: Character '>' must be escaped as "&gt;" at byte offset 2`},
		{"html unknown entity", htmlMsg("a&nbsp;b"), `Bad Request: can't parse entities: Unsupported HTML entity "&nbsp;" at byte offset 1`},
		{"html unknown tag", htmlMsg("<h1>x</h1>"), `Bad Request: can't parse entities: Unsupported start tag "h1" at byte offset 0`},
		{"html unclosed", htmlMsg("<b>x"), `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"html misnested", htmlMsg("<b><i>x</b></i>"), `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"html only tags", htmlMsg("<b></b>"), "Bad Request: message text is empty"},
		{"markdown not validated", func() tgbotapi.MessageConfig {
			m := tgbotapi.NewMessage(1, "*bold* 1 < 2")
			m.ParseMode = tgbotapi.ModeMarkdownV2
			return m
		}(), ""},
		{"bad parse mode", func() tgbotapi.MessageConfig {
			m := tgbotapi.NewMessage(1, "x")
			m.ParseMode = "html5"
			return m
		}(), "Bad Request: unsupported parse_mode"},
		{"callback data 64", keyboardMsg(strings.Repeat("d", 64)), ""},
		{"callback data 65", keyboardMsg(strings.Repeat("d", 65)), "Bad Request: BUTTON_DATA_INVALID"},
		{"text button", func() tgbotapi.MessageConfig {
			m := tgbotapi.NewMessage(1, "x")
			m.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup([]tgbotapi.InlineKeyboardButton{{Text: "plain"}})
			return m
		}(), "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"reply keyboard", func() tgbotapi.MessageConfig {
			m := tgbotapi.NewMessage(1, "x")
			m.ReplyMarkup = tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("menu")))
			return m
		}(), ""},
		{"edit unknown", tgbotapi.NewEditMessageText(1, 987654321, "x"), "Bad Request: message to edit not found"},
		{"chat action", tgbotapi.NewChatAction(1, tgbotapi.ChatTyping), ""},
		{"bad chat action", tgbotapi.NewChatAction(1, "dancing"), "Bad Request: wrong parameter action in request"},
		{"delete unknown", tgbotapi.NewDeleteMessage(1, 987654321), "Bad Request: message to delete not found"},
		{"copy unknown", tgbotapi.NewCopyMessage(1, 2, 987654321), "Bad Request: message to copy not found"},
		{"bad command", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Start", Description: "go"}), "Bad Request: BOT_COMMAND_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tt.c)
			if tt.desc == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantAPIError(t, err, 400, tt.desc)
		})
	}
	// Failed calls are recorded but are not messages.
	for _, c := range srv.Calls("sendMessage") {
		if !c.OK() && c.ErrorCode != 400 {
			t.Errorf("recorded failed call %v", c)
		}
	}
	for _, m := range srv.Messages() {
		if !m.OK() {
			t.Errorf("Messages() contains failed call %v", m)
		}
	}
}

func htmlMsg(text string) tgbotapi.MessageConfig {
	m := tgbotapi.NewMessage(1, text)
	m.ParseMode = tgbotapi.ModeHTML
	return m
}

func keyboardMsg(data string) tgbotapi.MessageConfig {
	m := tgbotapi.NewMessage(1, "pick")
	m.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("b", data)))
	return m
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in       string
		plain    string
		entities []tgbotapi.MessageEntity
		err      string
	}{
		{in: "plain", plain: "plain"},
		{in: "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s><strike>h</strike><del>i</del>",
			plain: "abcdefghi", entities: []tgbotapi.MessageEntity{
				{Type: "bold", Offset: 0, Length: 1}, {Type: "bold", Offset: 1, Length: 1},
				{Type: "italic", Offset: 2, Length: 1}, {Type: "italic", Offset: 3, Length: 1},
				{Type: "underline", Offset: 4, Length: 1}, {Type: "underline", Offset: 5, Length: 1},
				{Type: "strikethrough", Offset: 6, Length: 1}, {Type: "strikethrough", Offset: 7, Length: 1},
				{Type: "strikethrough", Offset: 8, Length: 1},
			}},
		{in: `😀 <b>bold <i>both</i></b> <a href="https://example.com/?a=1&amp;b=2">link</a>`,
			plain: "😀 bold both link", entities: []tgbotapi.MessageEntity{
				{Type: "bold", Offset: 3, Length: 9},
				{Type: "italic", Offset: 8, Length: 4},
				{Type: "text_link", Offset: 13, Length: 4, URL: "https://example.com/?a=1&b=2"},
			}},
		{in: `<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span>`, plain: "sp", entities: []tgbotapi.MessageEntity{
			{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1},
		}},
		{in: `<pre><code class="language-go">x := 1</code></pre><code>y</code>`, plain: "x := 1y", entities: []tgbotapi.MessageEntity{
			{Type: "pre", Offset: 0, Length: 6, Language: "go"}, {Type: "code", Offset: 6, Length: 1},
		}},
		{in: "<blockquote>q</blockquote><B>upper</B>", plain: "qupper", entities: []tgbotapi.MessageEntity{
			{Type: "blockquote", Offset: 0, Length: 1}, {Type: "bold", Offset: 1, Length: 5},
		}},
		{in: "&#39;&#x41;&lt;&gt;&amp;&quot;", plain: `'A<>&"`},
		{in: "<span>x</span>", err: `tag "span" must have class "tg-spoiler" at byte offset 0`},
		{in: "x</b>", err: "unexpected end tag at byte offset 1"},
		{in: "<b", err: "unclosed start tag at byte offset 0"},
		{in: `<a href=ab"c>x</a>`, err: "unexpected end of name token at byte offset 8"},
		{in: "<a href=>x</a>", plain: "x"},
		{in: "&#0;", err: `invalid numeric HTML entity "&#0;" at byte offset 0`},
		{in: "AT&T", err: `character '&' must be escaped as "&amp;" at byte offset 2`},
		{in: "&amp", err: `character '&' must be escaped as "&amp;" at byte offset 0`},
	}
	for _, tt := range tests {
		plain, entities, err := telegramtest.ParseHTML(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseHTML(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseHTML(%q): %v", tt.in, err)
			continue
		}
		if plain != tt.plain {
			t.Errorf("ParseHTML(%q) = %q, want %q", tt.in, plain, tt.plain)
		}
		if diff := cmp.Diff(tt.entities, entities); diff != "" {
			t.Errorf("ParseHTML(%q) entities (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestEditDeleteAndCallbacks(t *testing.T) {
	srv, bot := newBot(t)
	user := telegramtest.User(77, "Ann", "ann", "en")
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Next", "next")))
	m := tgbotapi.NewMessage(77, "page 1")
	m.ReplyMarkup = kb
	sent, err := bot.Send(m)
	if err != nil {
		t.Fatal(err)
	}

	// The user presses the button; the pushed callback carries the message.
	id := srv.PushUpdate(telegramtest.CallbackUpdate(77, user, sent.MessageID, "next"))
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: 0})
	if err != nil || len(updates) != 1 {
		t.Fatalf("GetUpdates = %v, %v", updates, err)
	}
	cq := updates[0].CallbackQuery
	if updates[0].UpdateID != id || cq == nil || cq.Data != "next" || cq.Message.Text != "page 1" || cq.From.ID != 77 {
		t.Fatalf("callback update = %+v", updates[0])
	}
	if _, err := bot.Request(tgbotapi.NewCallback(cq.ID, "")); err != nil {
		t.Fatalf("answerCallbackQuery: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewCallback(cq.ID, ""))
	wantAPIError(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")

	edit := tgbotapi.NewEditMessageTextAndMarkup(77, sent.MessageID, "page <b>2</b>", kb)
	edit.ParseMode = tgbotapi.ModeHTML
	edited, err := bot.Send(edit)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	if edited.Text != "page 2" || edited.EditDate == 0 || edited.ReplyMarkup == nil {
		t.Errorf("edited = %+v", edited)
	}
	_, err = bot.Send(edit)
	wantAPIError(t, err, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")

	// Removing the keyboard.
	rm := tgbotapi.NewEditMessageReplyMarkup(77, sent.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
	if _, err := bot.Send(rm); err != nil {
		t.Fatalf("editMessageReplyMarkup: %v", err)
	}
	if got, _ := srv.Message(77, sent.MessageID); got.ReplyMarkup != nil || got.Text != "page 2" {
		t.Errorf("stored message = %+v", got)
	}
	if c := srv.Calls("editMessageText"); len(c) != 2 || c[0].MessageID != sent.MessageID || c[0].Plain != "page 2" || c[1].OK() {
		t.Errorf("edit calls = %v", c)
	}

	// Users' messages cannot be edited but can be replied to and copied.
	in := telegramtest.TextUpdate(77, user, "hello")
	srv.PushUpdate(in)
	_, err = bot.Send(tgbotapi.NewEditMessageText(77, in.Message.MessageID, "x"))
	wantAPIError(t, err, 400, "Bad Request: message can't be edited")
	cp, err := bot.CopyMessage(tgbotapi.NewCopyMessage(555, 77, in.Message.MessageID))
	if err != nil {
		t.Fatalf("CopyMessage: %v", err)
	}
	if cp.MessageID <= in.Message.MessageID {
		t.Errorf("copy id %d not after %d", cp.MessageID, in.Message.MessageID)
	}
	copies := srv.MessagesTo(555)
	if len(copies) != 1 || copies[0].Method != "copyMessage" || copies[0].FromChatID != 77 ||
		copies[0].CopiedMessageID != in.Message.MessageID || copies[0].MessageID != cp.MessageID || copies[0].Text != "hello" {
		t.Errorf("copies = %v", copies)
	}
	fwd, err := bot.Send(tgbotapi.NewForward(555, 77, in.Message.MessageID))
	if err != nil || fwd.ForwardFrom == nil || fwd.ForwardFrom.ID != 77 || fwd.Text != "hello" {
		t.Errorf("forward = %+v, %v", fwd, err)
	}

	// A callback on a message the server has never seen (e.g. sent before a
	// restart) registers it, so the bot can edit it.
	srv.PushUpdate(telegramtest.CallbackUpdate(77, user, 4242424, "old"))
	if _, err := bot.Send(tgbotapi.NewEditMessageText(77, 4242424, "refreshed")); err != nil {
		t.Errorf("edit of callback message: %v", err)
	}

	if _, err := bot.Request(tgbotapi.NewDeleteMessage(77, sent.MessageID)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(77, sent.MessageID))
	wantAPIError(t, err, 400, "Bad Request: message to delete not found")
}

func TestCommandsAndBuilders(t *testing.T) {
	srv, bot := newBot(t)
	u := telegramtest.TextUpdate(9, telegramtest.User(9, "Bob", "bob", "ru"), "/start ref_42")
	if !u.Message.IsCommand() || u.Message.Command() != "start" || u.Message.CommandArguments() != "ref_42" {
		t.Errorf("command parsing: %+v", u.Message)
	}
	if u.Message.Chat.Type != "private" || u.Message.From.LanguageCode != "ru" || u.Message.Date == 0 {
		t.Errorf("message = %+v", u.Message)
	}
	if telegramtest.TextUpdate(9, telegramtest.User(9, "Bob", "", ""), "hi").Message.IsCommand() {
		t.Error("plain text is a command")
	}

	cmds := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "ru",
		tgbotapi.BotCommand{Command: "start", Description: "Начать"},
		tgbotapi.BotCommand{Command: "help", Description: "Помощь"})
	if _, err := bot.Request(cmds); err != nil {
		t.Fatalf("setMyCommands: %v", err)
	}
	scope := tgbotapi.NewBotCommandScopeAllPrivateChats()
	if got := srv.MyCommands(&scope, "ru"); len(got) != 2 || got[1].Command != "help" {
		t.Errorf("MyCommands = %v", got)
	}
	if got := srv.MyCommands(nil, ""); len(got) != 0 {
		t.Errorf("default scope commands = %v", got)
	}
	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(scope, "ru"))
	if err != nil || len(got) != 2 {
		t.Errorf("GetMyCommands = %v, %v", got, err)
	}
	call := srv.Calls("setMyCommands")[0]
	if call.Params.Get("language_code") != "ru" || !strings.Contains(call.Params.Get("scope"), "all_private_chats") ||
		!strings.Contains(call.Text, `"command":"start"`) {
		t.Errorf("recorded setMyCommands = %+v", call)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMyCommandsWithScopeAndLanguage(scope, "ru")); err != nil {
		t.Fatal(err)
	}
	if got := srv.MyCommands(&scope, "ru"); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
}

func TestLongPollingAndOffsets(t *testing.T) {
	srv, bot := newBot(t)
	user := telegramtest.User(1, "Ann", "ann", "en")

	// A long poll blocks until an update is pushed.
	go func() {
		time.Sleep(100 * time.Millisecond)
		srv.PushUpdate(telegramtest.TextUpdate(1, user, "first"))
	}()
	start := time.Now()
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(updates) != 1 || updates[0].Message.Text != "first" {
		t.Fatalf("updates = %+v", updates)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("long poll returned after %v", d)
	}
	first := updates[0].UpdateID

	// Not confirmed: delivered again, together with the next one.
	srv.PushUpdate(telegramtest.TextUpdate(1, user, "second"))
	updates, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(updates) != 2 || updates[0].UpdateID != first || updates[1].UpdateID != first+1 {
		t.Fatalf("redelivery = %+v, %v", updates, err)
	}
	// limit
	updates, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 1})
	if len(updates) != 1 || updates[0].UpdateID != first {
		t.Fatalf("limit 1 = %+v", updates)
	}
	// Confirm the first.
	updates, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: first + 1})
	if len(updates) != 1 || updates[0].Message.Text != "second" {
		t.Fatalf("after confirming = %+v", updates)
	}
	// Confirm everything: an empty poll with a short timeout returns [] in time.
	start = time.Now()
	updates, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: first + 2, Timeout: 1})
	if err != nil || len(updates) != 0 {
		t.Fatalf("empty poll = %+v, %v", updates, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("timeout 1 returned after %v", d)
	}
	if n := len(srv.Calls("getUpdates")); n != 0 {
		t.Errorf("getUpdates recorded %d times", n)
	}
}

func TestLongPollCancelled(t *testing.T) {
	srv, bot := newBot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf(srv.Endpoint(), token, "getUpdates"),
		strings.NewReader("timeout=30"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("expected the request to be cancelled")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled poll took %v", d)
	}
	// The server is still usable and the next poll is not a conflict.
	id := srv.PushUpdate(telegramtest.TextUpdate(1, telegramtest.User(1, "A", "", ""), "x"))
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 5})
	if err != nil || len(updates) != 1 || updates[0].UpdateID != id {
		t.Fatalf("GetUpdates = %+v, %v", updates, err)
	}
}

func TestGetUpdatesChan(t *testing.T) {
	srv, bot := newBot(t)
	user := telegramtest.User(5, "Eve", "eve", "en")
	ch := bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 30})
	// Stopped before the server closes; the pending long poll is released
	// by the server's cleanup.
	t.Cleanup(bot.StopReceivingUpdates)

	ids := []int{
		srv.PushUpdate(telegramtest.TextUpdate(5, user, "/help")),
		srv.PushUpdate(telegramtest.PhotoUpdate(5, user, "photo-1", "scan")),
	}
	for i, want := range ids {
		select {
		case u := <-ch:
			if u.UpdateID != want {
				t.Errorf("update %d: id %d, want %d", i, u.UpdateID, want)
			}
			if i == 0 && u.Message.Command() != "help" {
				t.Errorf("command = %q", u.Message.Command())
			}
			if i == 1 && (len(u.Message.Photo) != 2 || u.Message.Photo[1].FileID != "photo-1" || u.Message.Caption != "scan") {
				t.Errorf("photo = %+v", u.Message)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("update %d not received\n%s", i, srv.Dump())
		}
	}
	// The bot answers through the same server.
	go func() {
		_, _ = bot.Send(tgbotapi.NewMessage(5, "Help text"))
	}()
	got := srv.WaitMessages(t, 5, 1, 5*time.Second)
	if got[0].Text != "Help text" {
		t.Errorf("got %v", got)
	}
}

func TestAllowedUpdatesAndConflicts(t *testing.T) {
	srv, bot := newBot(t)
	user := telegramtest.User(3, "Al", "", "")
	srv.PushUpdate(telegramtest.CallbackUpdate(3, user, 1, "x"))
	msgID := srv.PushUpdate(telegramtest.TextUpdate(3, user, "hi"))
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}})
	if err != nil || len(updates) != 1 || updates[0].UpdateID != msgID {
		t.Fatalf("updates = %+v, %v", updates, err)
	}
	if !strings.Contains(srv.Dump(), "not in allowed_updates [message]") {
		t.Errorf("Dump does not mention the dropped update:\n%s", srv.Dump())
	}

	// Two concurrent pollers: the older one is terminated.
	errc := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: msgID + 1, Timeout: 10})
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: msgID + 1, Timeout: 1})
	}()
	select {
	case err := <-errc:
		wantAPIError(t, err, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	case <-time.After(5 * time.Second):
		t.Fatal("older poll not terminated")
	}
	<-done
}

func TestFailNext(t *testing.T) {
	srv, bot := newBot(t)
	srv.FailNext("sendMessage", 429, "", 7)
	srv.FailNext("sendMessage", 403, "", 0)
	_, err := bot.Send(tgbotapi.NewMessage(1, "hi"))
	e := apiError(t, err)
	if e.Code != 429 || e.RetryAfter != 7 || e.Message != "Too Many Requests: retry after 7" {
		t.Errorf("first error = %+v", e)
	}
	_, err = bot.Send(tgbotapi.NewMessage(1, "hi"))
	wantAPIError(t, err, 403, "Forbidden: bot was blocked by the user")
	if _, err := bot.Send(tgbotapi.NewMessage(1, "hi")); err != nil {
		t.Fatalf("third send: %v", err)
	}
	calls := srv.Calls("sendMessage")
	if len(calls) != 3 || calls[0].ErrorCode != 429 || calls[1].ErrorCode != 403 || !calls[2].OK() {
		t.Fatalf("calls = %v", calls)
	}
	if !calls[0].At.Before(calls[2].At) && !calls[0].At.Equal(calls[2].At) {
		t.Errorf("timestamps out of order: %v", calls)
	}
	if len(srv.Messages()) != 1 {
		t.Errorf("Messages() = %v", srv.Messages())
	}

	// Faults apply to getUpdates too.
	srv.FailNext("getUpdates", 502, "Bad Gateway", 0)
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 502, "Bad Gateway")
}

func TestWithMethods(t *testing.T) {
	srv, bot := newBot(t, telegramtest.WithMethods("getMe", "sendMessage"))
	if _, err := bot.Send(tgbotapi.NewMessage(1, "ok")); err != nil {
		t.Fatalf("sendMessage: %v", err)
	}
	_, err := bot.Request(tgbotapi.NewChatAction(1, tgbotapi.ChatTyping))
	wantAPIError(t, err, 404, "Not Found")
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 404, "Not Found")
	if c := srv.Calls("sendChatAction"); len(c) != 1 || c[0].ErrorCode != 404 {
		t.Errorf("sendChatAction calls = %v", c)
	}
}

func TestWebhook(t *testing.T) {
	srv, bot := newBot(t)
	const secret = "s3cr3t_Token-1"
	var (
		mu       sync.Mutex
		received []tgbotapi.Update
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(telegramtest.SecretTokenHeader) != secret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		u, err := bot.HandleUpdate(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		received = append(received, *u)
		mu.Unlock()
		if u.Message != nil && u.Message.Text == "ping" {
			// Answer in the webhook response.
			_ = tgbotapi.WriteToHTTPResponse(w, tgbotapi.NewMessage(u.Message.Chat.ID, "pong"))
		}
	}))
	t.Cleanup(hook.Close)

	// v5.5.1's WebhookConfig has no secret_token, so use MakeRequest.
	resp, err := bot.MakeRequest("setWebhook", tgbotapi.Params{
		"url":             hook.URL + "/hook",
		"secret_token":    secret,
		"allowed_updates": `["message","callback_query"]`,
		"max_connections": "5",
	})
	if err != nil || !resp.Ok || resp.Description != "Webhook was set" {
		t.Fatalf("setWebhook = %+v, %v", resp, err)
	}
	if u, s := srv.Webhook(); u != hook.URL+"/hook" || s != secret {
		t.Errorf("Webhook() = %q, %q", u, s)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || !info.IsSet() || info.MaxConnections != 5 || len(info.AllowedUpdates) != 2 {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	user := telegramtest.User(8, "Dan", "dan", "en")
	status, err := srv.DeliverWebhook(telegramtest.TextUpdate(8, user, "ping"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("DeliverWebhook = %d, %v", status, err)
	}
	mu.Lock()
	if len(received) != 1 || received[0].UpdateID == 0 || received[0].Message.Text != "ping" {
		t.Errorf("received = %+v", received)
	}
	mu.Unlock()
	if got := srv.WaitMessages(t, 8, 1, time.Second); got[0].Text != "pong" {
		t.Errorf("webhook reply = %v", got)
	}

	status, err = srv.DeliverWebhookWithSecret(telegramtest.TextUpdate(8, user, "x"), "wrong", true)
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("wrong secret = %d, %v", status, err)
	}
	status, err = srv.DeliverWebhookWithSecret(telegramtest.TextUpdate(8, user, "x"), "", false)
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("missing secret = %d, %v", status, err)
	}
	if _, err := srv.DeliverWebhook(tgbotapi.Update{EditedMessage: telegramtest.TextUpdate(8, user, "e").Message}); err == nil {
		t.Error("edited_message delivered although not in allowed_updates")
	}

	_, err = bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL, "secret_token": "bad:token"})
	wantAPIError(t, err, 400, "Bad Request: secret token contains unallowed characters")

	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.Webhook(); u != "" {
		t.Errorf("webhook still set: %q", u)
	}
	if _, err := srv.DeliverWebhook(telegramtest.TextUpdate(8, user, "x")); err == nil {
		t.Error("DeliverWebhook without webhook succeeded")
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("GetUpdates after deleteWebhook: %v", err)
	}
}

func TestFiles(t *testing.T) {
	srv, bot := newBot(t)
	photo := tgbotapi.NewPhoto(6, tgbotapi.FileBytes{Name: "contract.png", Bytes: []byte("PNGDATA")})
	photo.Caption = "<i>Signed</i>"
	photo.ParseMode = tgbotapi.ModeHTML
	m, err := bot.Send(photo)
	if err != nil {
		t.Fatalf("sendPhoto: %v", err)
	}
	if len(m.Photo) == 0 || m.Caption != "Signed" {
		t.Fatalf("photo message = %+v", m)
	}
	sent := srv.MessagesTo(6)
	if len(sent) != 1 || sent[0].Method != "sendPhoto" || sent[0].FileID != m.Photo[len(m.Photo)-1].FileID || sent[0].Text != "<i>Signed</i>" {
		t.Fatalf("recorded = %v", sent)
	}
	if data, ok := srv.File(sent[0].FileID); !ok || string(data) != "PNGDATA" {
		t.Errorf("File = %q, %v", data, ok)
	}
	// Re-send by file_id.
	if _, err := bot.Send(tgbotapi.NewDocument(6, tgbotapi.FileID(sent[0].FileID))); err != nil {
		t.Errorf("sendDocument by id: %v", err)
	}
	_, err = bot.Send(tgbotapi.NewDocument(6, tgbotapi.FileID("no-such-file")))
	wantAPIError(t, err, 400, "Bad Request: wrong file identifier/HTTP URL specified")

	doc := tgbotapi.NewDocument(6, tgbotapi.FileBytes{Name: "claim.pdf", Bytes: []byte("%PDF-1.7")})
	dm, err := bot.Send(doc)
	if err != nil || dm.Document == nil || dm.Document.FileName != "claim.pdf" || dm.Document.MimeType != "application/pdf" {
		t.Fatalf("sendDocument = %+v, %v", dm.Document, err)
	}

	// An incoming document and getFile + download.
	srv.AddFile("user-doc", []byte("lease text"))
	srv.PushUpdate(telegramtest.DocumentUpdate(6, telegramtest.User(6, "Fay", "", ""), "user-doc", "lease.txt", ""))
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: "user-doc"})
	if err != nil || f.FilePath == "" || f.FileSize != len("lease text") {
		t.Fatalf("GetFile = %+v, %v", f, err)
	}
	resp, err := http.Get(fmt.Sprintf(srv.FileEndpoint(), token, f.FilePath))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "lease text" {
		t.Errorf("download = %q", body)
	}
	_, err = bot.GetFile(tgbotapi.FileConfig{FileID: "nope"})
	wantAPIError(t, err, 400, "Bad Request: invalid file_id")
}

func TestGetChatAndJSONRequests(t *testing.T) {
	srv, bot := newBot(t)
	srv.PushUpdate(telegramtest.TextUpdate(12, telegramtest.User(12, "Gus", "gus", ""), "hi"))
	chat, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: 12}})
	if err != nil || chat.ID != 12 || chat.Type != "private" || chat.UserName != "gus" {
		t.Errorf("GetChat = %+v, %v", chat, err)
	}
	// JSON bodies are accepted too.
	resp, err := http.Post(fmt.Sprintf(srv.Endpoint(), token, "sendMessage"), "application/json",
		strings.NewReader(`{"chat_id":12,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		OK     bool             `json:"ok"`
		Result tgbotapi.Message `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !out.OK || out.Result.Text != "json" || out.Result.ReplyMarkup == nil {
		t.Errorf("JSON sendMessage = %+v", out)
	}
	if s := srv.MessagesTo(12); len(s) != 1 || s[0].ReplyMarkup == nil || *s[0].ReplyMarkup.InlineKeyboard[0][0].CallbackData != "b" {
		t.Errorf("recorded = %v", s)
	}
}

// fakeTB captures Fatalf so that WaitMessages' failure can be tested.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestWaitTimeoutDump(t *testing.T) {
	srv, bot := newBot(t)
	if _, err := bot.Send(tgbotapi.NewMessage(1, "to someone else")); err != nil {
		t.Fatal(err)
	}
	ftb := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.WaitMessages(ftb, 2, 1, 100*time.Millisecond)
	}()
	<-done
	if !strings.Contains(ftb.msg, "waiting for 1 message(s) to chat 2, got 0") || !strings.Contains(ftb.msg, `"to someone else"`) {
		t.Errorf("failure message:\n%s", ftb.msg)
	}

	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = bot.Request(tgbotapi.NewChatAction(2, tgbotapi.ChatTyping))
	}()
	if c := srv.WaitCalls(t, "sendchataction", 1, 5*time.Second); c[0].ChatID != 2 || c[0].Text != "typing" {
		t.Errorf("WaitCalls = %v", c)
	}
}
