/* Fallback used only when the real <pthreadpool.h> is not installed (Debian ships libpthreadpool0
 * without a -dev package, yet <xnnpack.h> includes <pthreadpool.h>). xnnpack.h only needs the
 * opaque handle type; the harness always passes NULL (run on the calling thread). The typedef
 * matches upstream pthreadpool's. CMakeLists.txt adds this directory to the include path only
 * when find_path() did not find the real header. */
#ifndef PK_COMPAT_PTHREADPOOL_H
#define PK_COMPAT_PTHREADPOOL_H
typedef struct pthreadpool* pthreadpool_t;
#endif
