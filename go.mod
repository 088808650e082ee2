module github.com/mxgo/mxgo

go 1.26
