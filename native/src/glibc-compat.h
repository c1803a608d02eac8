/* Included first in every file of the library (-include): binds the libm functions whose newest glibc version
   is recent to their oldest version, so that the library loads on glibc 2.17 and newer (RHEL 7 and 8, Amazon
   Linux 2, Debian 11). glibc 2.29 added new versions of pow, exp and log that skip the SVID error handling;
   the old versions give the same results for the finite, positive arguments poolkit passes and stay exported. */
#ifndef PK_GLIBC_COMPAT_H
#define PK_GLIBC_COMPAT_H

#if defined(__linux__)
#include <features.h>
#if defined(__GLIBC__)
#if defined(__x86_64__)
#define PK_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define PK_GLIBC_BASE "GLIBC_2.17"
#endif
#if defined(PK_GLIBC_BASE)
__asm__(".symver pow,pow@" PK_GLIBC_BASE);
__asm__(".symver exp,exp@" PK_GLIBC_BASE);
__asm__(".symver log,log@" PK_GLIBC_BASE);
__asm__(".symver powf,powf@" PK_GLIBC_BASE);
__asm__(".symver expf,expf@" PK_GLIBC_BASE);
__asm__(".symver logf,logf@" PK_GLIBC_BASE);
#endif
#endif
#endif

#endif
