module github.com/tapekit/tapekit

go 1.26.0
