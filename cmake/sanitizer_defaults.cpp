// Defaults for the sanitizer runtimes, compiled into every executable of the sanitizer build
// (-DAIRCLASS_SANITIZE=ON), so any way of running a test or the server gets them. ASAN_OPTIONS and friends
// still override them. Full stack walks on malloc: GLib, fontconfig and pango have no frame pointers, and the
// suppressions below match frames beneath them.
extern "C" {

const char* __asan_default_options() {
  return "detect_leaks=1:abort_on_error=1:strict_string_checks=1:fast_unwind_on_malloc=0";
}

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

// Allocations that live for the whole process by design, never ours:
// - GLib's once-per-process tables, allocated by its library constructor (only frames under _dl_init match);
// - the font caches of fontconfig and pango (the demo source's clock overlay).
const char* __lsan_default_suppressions() {
  return "leak:_dl_init\n"
         "leak:libfontconfig.so\n"
         "leak:libpango\n";
}

}  // extern "C"
