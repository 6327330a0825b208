package telegramtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// SecretTokenHeader is the header carrying setWebhook's secret_token.
const SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"

const (
	conflictWebhook = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	conflictPoller  = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

type webhook struct {
	url            string
	secret         string
	maxConnections int
	ipAddress      string
	dropPending    bool
	allowed        []string
}

func insecureTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // test fake talking to httptest servers
}

// updateType returns the allowed_updates name of the update's kind.
func updateType(u *tgbotapi.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.ChosenInlineResult != nil:
		return "chosen_inline_result"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.ShippingQuery != nil:
		return "shipping_query"
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query"
	case u.Poll != nil:
		return "poll"
	case u.PollAnswer != nil:
		return "poll_answer"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	case u.ChatJoinRequest != nil:
		return "chat_join_request"
	}
	return "unknown"
}

// cloneUpdate deep-copies an update so that the queue does not share
// pointers with the caller.
func cloneUpdate(u tgbotapi.Update) tgbotapi.Update {
	b, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encoding update: %v", err))
	}
	var out tgbotapi.Update
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("telegramtest: decoding update: %v", err))
	}
	return out
}

// PushUpdate queues an update for getUpdates and returns its update_id.
// When u.UpdateID is 0 the next id is assigned. The update's messages,
// chats and files become known to the server (see RegisterUpdate).
//
// Updates stay queued until a getUpdates call confirms them with a higher
// offset, so an unconfirmed update is returned again by the next call, as
// Telegram does. Updates whose type is excluded by the bot's allowed_updates
// are dropped when polled (see Dump).
func (s *Server) PushUpdate(u tgbotapi.Update) int {
	u = cloneUpdate(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assignIDLocked(&u)
	s.registerUpdateLocked(&u)
	s.queue = append(s.queue, u)
	sort.SliceStable(s.queue, func(i, j int) bool { return s.queue[i].UpdateID < s.queue[j].UpdateID })
	s.broadcastLocked()
	return u.UpdateID
}

// RegisterUpdate makes the messages, chats and files of an update known to
// the server without queueing it, for tests that hand updates to the bot's
// handler directly: replies to, edits of and copies of those messages then
// succeed. PushUpdate and DeliverWebhook do this automatically.
//
// A callback query's message is registered as a message sent by the bot; if
// the server already knows it, PushUpdate and DeliverWebhook fill the
// update's callback_query.message with its current content (when the update
// leaves it empty), like Telegram.
func (s *Server) RegisterUpdate(u tgbotapi.Update) {
	u = cloneUpdate(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registerUpdateLocked(&u)
}

func (s *Server) assignIDLocked(u *tgbotapi.Update) {
	if u.UpdateID == 0 {
		s.lastUpdateID++
		u.UpdateID = s.lastUpdateID
	} else if u.UpdateID > s.lastUpdateID {
		s.lastUpdateID = u.UpdateID
	}
}

func (s *Server) registerUpdateLocked(u *tgbotapi.Update) {
	for _, m := range []*tgbotapi.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
		if m == nil || m.Chat == nil {
			continue
		}
		if _, known := s.chats[m.Chat.ID]; !known {
			s.chats[m.Chat.ID] = *m.Chat
		}
		fromBot := m.From != nil && m.From.ID == BotID
		s.messages[msgKey{m.Chat.ID, m.MessageID}] = &storedMessage{msg: *m, fromBot: fromBot}
		for _, p := range m.Photo {
			s.fileLocked(p.FileID, "photo.jpg")
		}
		if d := m.Document; d != nil {
			s.fileLocked(d.FileID, d.FileName).name = d.FileName
		}
	}
	if cq := u.CallbackQuery; cq != nil && cq.Message != nil && cq.Message.Chat != nil {
		key := msgKey{cq.Message.Chat.ID, cq.Message.MessageID}
		empty := cq.Message.Text == "" && cq.Message.Caption == "" && cq.Message.Photo == nil && cq.Message.Document == nil
		if st, known := s.messages[key]; known {
			if empty && !st.placeholder {
				m := st.msg
				cq.Message = &m
			}
		} else {
			s.messages[key] = &storedMessage{msg: *cq.Message, fromBot: true, placeholder: empty}
		}
	}
}

func (s *Server) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return kind != "chat_member"
	}
	for _, a := range s.allowed {
		if a == kind {
			return true
		}
	}
	return false
}

// setAllowedLocked applies an allowed_updates parameter: absent or null
// keeps the previous setting, [] restores the default.
func (s *Server) setAllowedLocked(raw string) *apiResult {
	if raw == "" || raw == "null" {
		return nil
	}
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		r := badRequest("can't parse allowed updates JSON object")
		return &r
	}
	if len(list) == 0 {
		s.allowed = nil
	} else {
		s.allowed = list
	}
	return nil
}

func (s *Server) confirmLocked(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.queue) && s.queue[i].UpdateID < offset {
			i++
		}
		s.queue = append([]tgbotapi.Update(nil), s.queue[i:]...)
	case offset < 0:
		if keep := -offset; keep < len(s.queue) {
			s.queue = append([]tgbotapi.Update(nil), s.queue[len(s.queue)-keep:]...)
		}
	}
}

// pendingLocked returns up to limit queued updates, dropping those excluded
// by allowed_updates.
func (s *Server) pendingLocked(limit int) []tgbotapi.Update {
	out := []tgbotapi.Update{}
	kept := s.queue[:0]
	for _, u := range s.queue {
		if kind := updateType(&u); !s.allowedLocked(kind) {
			note := fmt.Sprintf("dropped update %d (%s): not in allowed_updates %v", u.UpdateID, kind, s.allowed)
			s.notes = append(s.notes, note)
			if s.logf != nil {
				s.logf("telegramtest: %s", note)
			}
			continue
		}
		kept = append(kept, u)
		if len(out) < limit {
			out = append(out, u)
		}
	}
	s.queue = kept
	return out
}

func (s *Server) getUpdates(ctx context.Context, params url.Values) apiResult {
	offset := atoi(params.Get("offset"))
	limit := atoi(params.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := atoi(params.Get("timeout"))

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hook.url != "" {
		return apiError(409, conflictWebhook)
	}
	if errRes := s.setAllowedLocked(params.Get("allowed_updates")); errRes != nil {
		return *errRes
	}
	s.pollGen++
	gen := s.pollGen
	s.broadcastLocked() // an older poll still waiting gets a conflict
	s.confirmLocked(offset)

	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
		expired = timer.C
	}
	for {
		if s.pollGen != gen {
			return apiError(409, conflictPoller)
		}
		if s.hook.url != "" {
			return apiError(409, conflictWebhook)
		}
		batch := s.pendingLocked(limit)
		if len(batch) > 0 || timeout <= 0 {
			return ok(rawJSON(batch))
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
			s.mu.Lock()
		case <-expired:
			s.mu.Lock()
			return ok(rawJSON(s.pendingLocked(limit)))
		case <-ctx.Done():
			s.mu.Lock()
			return ok(json.RawMessage("[]"))
		case <-s.done:
			s.mu.Lock()
			return ok(json.RawMessage("[]"))
		}
	}
}

func validSecret(secret string) bool {
	for _, ch := range []byte(secret) {
		if !(isAlnum(ch) || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

func (s *Server) setWebhook(c *request) apiResult {
	raw := c.get("url")
	if raw == "" {
		return s.deleteWebhook(c)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := c.get("secret_token")
	if len(secret) > 256 {
		return badRequest("secret token is too long")
	}
	if !validSecret(secret) {
		return badRequest("secret token contains unallowed characters")
	}
	maxConn := 40
	if v := c.get("max_connections"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("bad webhook: max_connections must be between 1 and 100")
		}
		maxConn = n
	}
	if errRes := s.setAllowedLocked(c.get("allowed_updates")); errRes != nil {
		return *errRes
	}
	drop := c.flag("drop_pending_updates")
	if drop {
		s.queue = nil
	}
	desc := "Webhook was set"
	if s.hook.url == raw {
		desc = "Webhook is already set"
	}
	s.hook = webhook{
		url:            raw,
		secret:         secret,
		maxConnections: maxConn,
		ipAddress:      c.get("ip_address"),
		dropPending:    drop,
		allowed:        append([]string(nil), s.allowed...),
	}
	return apiResult{result: true, desc: desc}
}

func (s *Server) deleteWebhook(c *request) apiResult {
	if c.flag("drop_pending_updates") {
		s.queue = nil
	}
	if s.hook.url == "" {
		return apiResult{result: true, desc: "Webhook is already deleted"}
	}
	s.hook = webhook{}
	return apiResult{result: true, desc: "Webhook was deleted"}
}

func (s *Server) getWebhookInfo() apiResult {
	info := tgbotapi.WebhookInfo{
		URL:                s.hook.url,
		PendingUpdateCount: len(s.queue),
	}
	if s.hook.url != "" {
		info.MaxConnections = s.hook.maxConnections
		info.IPAddress = s.hook.ipAddress
		info.AllowedUpdates = s.allowed
	}
	return ok(info)
}

// Webhook returns the URL and secret_token registered with setWebhook
// (empty when no webhook is set).
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook.url, s.hook.secret
}

// DeliverWebhook POSTs the update as JSON to the registered webhook URL,
// with the X-Telegram-Bot-Api-Secret-Token header when a secret_token was
// set, and returns the HTTP status of the bot's response. An update_id is
// assigned as by PushUpdate and the update's messages become known to the
// server. It fails when no webhook is set or the update type is excluded
// by allowed_updates (Telegram would not send it).
//
// If the bot answers 200 with a method call in the body (as written by
// tgbotapi.WriteToHTTPResponse, form-encoded or JSON with a "method"
// field), that call is executed and recorded like any other.
func (s *Server) DeliverWebhook(u tgbotapi.Update) (status int, err error) {
	_, secret := s.Webhook()
	return s.DeliverWebhookWithSecret(u, secret, secret != "")
}

// DeliverWebhookWithSecret is DeliverWebhook with an explicit secret
// header, to test that the bot rejects wrong or missing secrets: the header
// is sent with the given value only when send is true.
func (s *Server) DeliverWebhookWithSecret(u tgbotapi.Update, secret string, send bool) (status int, err error) {
	u = cloneUpdate(u)
	s.mu.Lock()
	target := s.hook.url
	if target == "" {
		s.mu.Unlock()
		return 0, errors.New("telegramtest: no webhook is set (call setWebhook first)")
	}
	s.assignIDLocked(&u)
	s.registerUpdateLocked(&u)
	if kind := updateType(&u); !s.allowedLocked(kind) {
		allowed := s.allowed
		s.mu.Unlock()
		return 0, fmt.Errorf("telegramtest: update type %q is not in allowed_updates %v, Telegram would not deliver it", kind, allowed)
	}
	s.mu.Unlock()

	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if send {
		req.Header.Set(SecretTokenHeader, secret)
	}
	resp, err := s.hookHTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode == http.StatusOK && len(bytes.TrimSpace(reply)) > 0 {
		s.executeWebhookReply(resp.Header.Get("Content-Type"), reply)
	}
	return resp.StatusCode, nil
}

// executeWebhookReply runs a method call returned in a webhook response.
func (s *Server) executeWebhookReply(contentType string, body []byte) {
	params := url.Values{}
	ct, _, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "application/json":
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil || jsonToValues(obj, params) != nil {
			return
		}
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		params = v
	default:
		return
	}
	method := params.Get("method")
	if method == "" {
		return
	}
	params.Del("method")
	s.call(context.Background(), method, params, nil)
}

// ---------------------------------------------------------------------------
// Update builders

var callbackIDs atomic.Int64

// User returns a (human) Telegram user.
func User(id int64, first, username, lang string) tgbotapi.User {
	return tgbotapi.User{ID: id, FirstName: first, UserName: username, LanguageCode: lang}
}

func chatFor(chatID int64, from tgbotapi.User) *tgbotapi.Chat {
	ch := &tgbotapi.Chat{ID: chatID, Type: chatType(chatID)}
	if ch.Type == "private" {
		ch.FirstName, ch.LastName, ch.UserName = from.FirstName, from.LastName, from.UserName
	} else {
		ch.Title = fmt.Sprintf("Group %d", chatID)
	}
	return ch
}

func incoming(chatID int64, from tgbotapi.User) *tgbotapi.Message {
	f := from
	return &tgbotapi.Message{
		MessageID: nextMessageID(),
		From:      &f,
		Date:      int(time.Now().Unix()),
		Chat:      chatFor(chatID, from),
	}
}

// commandEntities returns the bot_command entity Telegram adds to a text
// starting with '/'.
func commandEntities(text string) []tgbotapi.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	end := strings.IndexFunc(text, unicode.IsSpace)
	if end < 0 {
		end = len(text)
	}
	if end == 1 {
		return nil
	}
	return []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: UTF16Len(text[:end])}}
}

// TextUpdate returns an update with a text message from a user in chatID
// (a private chat when chatID > 0). A text starting with '/' gets a
// bot_command entity, so Message.IsCommand, Command and CommandArguments
// work. The message id comes from the counter shared with the servers.
func TextUpdate(chatID int64, from tgbotapi.User, text string) tgbotapi.Update {
	m := incoming(chatID, from)
	m.Text = text
	m.Entities = commandEntities(text)
	return tgbotapi.Update{Message: m}
}

// CallbackUpdate returns an update with a callback query: the user pressed
// a button with callback data on message messageID in chatID. The query id
// is unique in the process. When the update is pushed or delivered through
// the server, callback_query.message is filled with the message's current
// content if the server knows it.
func CallbackUpdate(chatID int64, from tgbotapi.User, messageID int, data string) tgbotapi.Update {
	f := from
	bot := BotUser()
	return tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{
		ID:   strconv.FormatInt(4100000000000000000+callbackIDs.Add(1), 10),
		From: &f,
		Message: &tgbotapi.Message{
			MessageID: messageID,
			From:      &bot,
			Date:      int(time.Now().Unix()),
			Chat:      chatFor(chatID, from),
		},
		ChatInstance: strconv.FormatInt(chatID*7919+13, 10),
		Data:         data,
	}}
}

// PhotoUpdate returns an update with a photo message. The photo has two
// sizes; the largest (last, as in Telegram) has file_id fileID, the small
// one fileID+"-small". Use Server.AddFile to give it content for getFile.
func PhotoUpdate(chatID int64, from tgbotapi.User, fileID, caption string) tgbotapi.Update {
	m := incoming(chatID, from)
	m.Photo = []tgbotapi.PhotoSize{
		{FileID: fileID + "-small", FileUniqueID: "uniq-" + fileID + "-small", Width: 320, Height: 240, FileSize: 12000},
		{FileID: fileID, FileUniqueID: "uniq-" + fileID, Width: 1280, Height: 960, FileSize: 150000},
	}
	m.Caption = caption
	m.CaptionEntities = commandEntities(caption)
	return tgbotapi.Update{Message: m}
}

// DocumentUpdate returns an update with a document message; the MIME type
// is derived from fileName's extension. Use Server.AddFile to give the file
// content for getFile.
func DocumentUpdate(chatID int64, from tgbotapi.User, fileID, fileName, caption string) tgbotapi.Update {
	m := incoming(chatID, from)
	m.Document = &tgbotapi.Document{
		FileID:       fileID,
		FileUniqueID: "uniq-" + fileID,
		FileName:     fileName,
		MimeType:     mimeType(fileName),
	}
	m.Caption = caption
	m.CaptionEntities = commandEntities(caption)
	return tgbotapi.Update{Message: m}
}
