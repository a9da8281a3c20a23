# Thin aliases for ./dhei, which does the work (and installs what it needs).
.PHONY: demo test kernel host-test guest lint debug-test bench
demo test kernel host-test guest lint debug-test bench:
	./dhei $@
