/* Force-included (-include) into every C file of the bundled CPython built in the bullseye root (glibc 2.31).
 * glibc 2.29 gave exp, exp2, log, log2 and pow new symbol versions (without the SVID error wrappers); code compiled
 * against 2.29+ headers binds to those, which UOS 20's glibc 2.28 does not have. These directives bind the calls to
 * the versions every x86_64 glibc has, so the bundle loads on glibc 2.28. The results are the same; only the
 * errno/matherr handling of the old wrappers differs, which CPython checks for itself. */
#ifndef LIANJIE_GLIBC_228_H
#define LIANJIE_GLIBC_228_H
#if defined(__x86_64__) && defined(__linux__)
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
#endif
#endif
