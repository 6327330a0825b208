package telegram_test

import "encoding/json"

var jsonMarshal = json.Marshal
