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

// chatLockKey serialises the handling of one chat's updates across
// replicas (see ChatLocks). It lives no longer than one update's handling.
func chatLockKey(channel string, chat int64) string {
	return prefix + "chat-lock:" + channel + ":" + itoa(chat)
}

// citizenKeys lists every personal key of a citizen, for Forget.
func citizenKeys(citizen string) []string {
	return []string{sessionKey(citizen), feedbackKey(citizen)}
}

// Handoff keys share one hash tag per office ("{handoff}" by default): the
// Lua scripts touch several of them at once, which a Cluster allows only
// within one slot. ns is that tagged prefix, from handoffNamespace.
func handoffNamespace(office string) string {
	if office == "" {
		office = "handoff"
	}
	return prefix + "{" + office + "}:"
}

// caseKey is a case's hash (personal: retention TTL).
func caseKey(ns string, id string) string { return ns + "case:" + id }

// transcriptKey is a case's message list (personal: retention TTL).
func transcriptKey(ns string, id string) string { return ns + "transcript:" + id }

// notifiedKey lists the Take messages sent about a case.
func notifiedKey(ns string, id string) string { return ns + "notified:" + id }

// queueKey is the sorted set of waiting cases (urgency, then age).
func queueKey(ns string) string { return ns + "queue" }

// timersKey is the sorted set of timers by due time (unix ms).
func timersKey(ns string) string { return ns + "timers" }

// citizenCaseKey points from a citizen to their open case (retention TTL).
func citizenCaseKey(ns string, citizen string) string { return ns + "citizen-case:" + citizen }

// citizenCasesKey is the set of all a citizen's cases, for /forget (retention TTL).
func citizenCasesKey(ns string, citizen string) string { return ns + "citizen-cases:" + citizen }

// lawyerCasesKey is the set of cases assigned to a lawyer.
func lawyerCasesKey(ns string, lawyer int64) string { return ns + "lawyer-cases:" + itoa(lawyer) }

// lawyerCurrentKey is the case a lawyer's plain messages go to.
func lawyerCurrentKey(ns string, lawyer int64) string { return ns + "lawyer-current:" + itoa(lawyer) }

// messageCaseKey maps a message in a lawyer's chat to its case.
func messageCaseKey(ns string, chat string, messageID int) string {
	return ns + "msg:" + chat + ":" + itoa(int64(messageID))
}

// dutyKey is the hash of lawyers' manual /onduty and /offduty.
func dutyKey(ns string) string { return ns + "duty" }

// onceKey marks a one-time event (a shift-start announcement).
func onceKey(ns string, k string) string { return ns + "once:" + k }

// rosterKey holds the roster document.
func rosterKey(ns string) string { return ns + "roster" }
