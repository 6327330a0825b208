package knowledge

import (
	"embed"
	"io/fs"
	"time"
)

//go:embed data
var embedded embed.FS

// BuiltinFS is the curated knowledge base compiled into the binary.
func BuiltinFS() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	return sub
}

// Builtin loads the embedded knowledge base. Its tests guarantee it has no
// errors; warnings (review dates passed) are returned for the operator.
func Builtin(now time.Time) (*KB, Problems, error) {
	return LoadFS(BuiltinFS(), now)
}
