/*
 * For JMH's perfasm on Debian: the libhsdis0-fcml package only exports the old
 * decode_instructions entry point, which JDK 17 no longer calls, so perfasm prints raw bytes.
 * This forwards JDK 17's decode_instructions_virtual to it (the code is disassembled in place).
 *
 *   gcc -shared -fPIC -O2 -o hsdis-amd64.so bench/hsdis-shim.c -ldl
 *   sudo cp hsdis-amd64.so /usr/lib/jvm/java-17-openjdk-amd64/lib/server/
 */
#include <dlfcn.h>
#include <stdint.h>
typedef void* (*old_fn)(void*, void*, void* (*)(void*, const char*, void*), void*, int (*)(void*, const char*, ...), void*, const char*);
void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
    void* (*event_callback)(void*, const char*, void*), void* event_stream,
    int (*printf_callback)(void*, const char*, ...), void* printf_stream, const char* options, int newline) {
  static old_fn f = 0;
  if (!f) { void* h = dlopen("/usr/lib/x86_64-linux-gnu/libhsdis.so.0", RTLD_NOW); if (!h) return 0; f = (old_fn) dlsym(h, "decode_instructions"); if (!f) return 0; }
  return f((void*) start_va, (void*) end_va, event_callback, event_stream, printf_callback, printf_stream, options);
}
