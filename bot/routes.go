package bot

// routes shows every command and button the engine understands. Button data
// is "<prefix>:<arg>"; it must stay under Telegram's 64 bytes.
func (e *Engine) routes() {
	e.commands = map[string]handlerFunc{
		"start":  e.handleStart,
		"help":   e.handleHelp,
		"topics": e.handleTopics,
		"lang":   e.handleLang,
		"forget": e.handleForget,
		"lawyer": e.handleLawyer, // the citizen asks for the duty lawyer
		"status": e.handleStatus, // where the citizen's case stands
		"end":    e.handleEnd,    // the citizen ends the case
		"law":    e.handleLaw,    // /law 劳动合同法 30: an article's text
	}
	e.buttons = map[string]handlerFunc{
		"e":      e.pressEntry,    // e:<entry id>         show an entry (suggestion, topic list)
		"fb":     e.pressFeedback, // fb:<entry id>:up|down rate an answer
		"t":      e.pressTopic,    // t:<category>[:page]  list a category's questions
		"topics": e.pressTopics,   // topics:              the category list again
		"lang":   e.pressLang,     // lang:<zh|en>         choose the language
		"forget": e.pressForget,   // forget:yes|no        confirm /forget
		"law":    e.pressLaw,      // law:<entry id>:<citation index> the cited article's text
		"ho":     e.pressHandoff,  // ho:start[:urgent] | cat:<id> | skip | dl:<soon|month|none> | consent:yes|no | leave:yes|no | cancel | rate:<case>:<1-5> | skipcomment
	}
	// Lawyers' commands and buttons (take:<case>, close:<case>:<outcome>)
	// are routed in lawyer.go, before these, for senders on the roster.
}

// Commands lists the commands to advertise (Telegram's setMyCommands), in order.
var Commands = []string{"start", "topics", "lawyer", "status", "lang", "forget", "help"}
