/// A shared library that is not a sluice plugin: it lacks the entry symbol.
extern "C" int not_a_plugin(void) { return 42; }
