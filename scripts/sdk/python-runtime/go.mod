module python-sdk

go 1.26.1

require (
	github.com/pelletier/go-toml/v2 v2.2.4
	golang.org/x/sync v0.20.0
)
