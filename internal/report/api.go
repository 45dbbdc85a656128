package report

// API names the Notion-Version a command spoke and the data source it read or
// wrote: a database with several data sources, or a run pinned to an older
// version, must be visible in every output that reports on Notion (the text,
// the job summary, health and preflight), not only in the plan file. The zero
// value means Notion was not called.
type API struct {
	Version        string // Notion-Version; "" when Notion was not called
	DataSourceID   string // "" under 2022-06-28, or before the database was read
	DataSourceName string // "" when the data source has no name
}

// API is the plan's Notion-Version and data source.
func (p Plan) API() API {
	return API{Version: p.NotionVersion, DataSourceID: p.DataSourceID, DataSourceName: p.DataSourceName}
}

// String is `Notion-Version 2025-09-03 · data source "Modules" (1a2b3c4d…)`,
// `Notion-Version 2022-06-28` when there is no data source, and "" for the
// zero API. The name comes from Notion, so it is escaped like manifest text:
// it cannot add lines or send terminal escapes.
func (a API) String() string {
	if a.Version == "" {
		return ""
	}
	out := "Notion-Version " + clean(a.Version, 20)
	if a.DataSourceID == "" {
		return out
	}
	out += " · data source "
	if a.DataSourceName != "" {
		out += `"` + clean(a.DataSourceName, maxModule) + `" `
	}
	return out + "(" + ShortID(a.DataSourceID) + ")"
}
