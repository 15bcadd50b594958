module github.com/tapekit/tapekit

go 1.26.0

require github.com/benbjohnson/clock v1.3.5

require github.com/google/go-cmp v0.7.0
