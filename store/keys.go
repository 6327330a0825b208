package store

// Every Redis key legalbot uses is built here, under one versioned prefix, so
// a change of layout is a change of version and old keys simply expire.
//
// Personal records (everything keyed by a citizen) carry the session
// retention TTL; Forget deletes them all.

const prefix = "legalbot:v1:"

// sessionKey holds a citizen's session (JSON): language, state, turns, answers.
func sessionKey(citizen string) string { return prefix + "session:{" + citizen + "}" }

// feedbackKey is a hash entry id → "up"/"down" of one citizen's votes.
func feedbackKey(citizen string) string { return prefix + "feedback:{" + citizen + "}" }

// feedbackTotalsKey is a hash "<entry>:up"/"<entry>:down" → count, over all
// citizens. It holds no personal data and has no TTL.
func feedbackTotalsKey() string { return prefix + "feedback-totals" }

// updateKey marks an update as taken by one replica. channel names the
// channel and bot ("tg:<bot id>"): update ids are only unique per bot.
func updateKey(channel string, id int64) string {
	return prefix + "update:" + channel + ":" + itoa(id)
}

// citizenKeys lists every personal key of a citizen, for Forget.
func citizenKeys(citizen string) []string {
	return []string{sessionKey(citizen), feedbackKey(citizen)}
}
