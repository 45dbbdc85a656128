// Command notion-sync keeps a Notion database in step with the module.manifest.json
// files of a monorepo. It runs as a GitHub Action, as a CLI, and as a local Notion
// emulator; all of that lives in internal/app so this file only wires the process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/lukhas/notion-sync-action/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
