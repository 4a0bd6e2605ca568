#ifndef SURAT_COPENSSL_SHIM_H
#define SURAT_COPENSSL_SHIM_H
// OpenSSL's libcrypto (Debian libssl-dev): CMS SignedData, X.509, PEM and PKCS#12 for the
// office seal. The helpers below exist only because the OpenSSL API behind them is made of
// function-like macros (stacks, BIO controls, key generation) that Swift cannot call.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline STACK_OF(X509) *surat_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int surat_x509_stack_push(STACK_OF(X509) *stack, X509 *certificate) {
    return sk_X509_push(stack, certificate);
}
static inline int surat_x509_stack_count(const STACK_OF(X509) *stack) {
    return stack == NULL ? 0 : sk_X509_num(stack);
}
static inline X509 *surat_x509_stack_at(const STACK_OF(X509) *stack, int index) {
    return sk_X509_value(stack, index);
}
/// Frees the stack and drops one reference of every certificate in it.
static inline void surat_x509_stack_free_all(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

static inline long surat_bio_contents(BIO *bio, const unsigned char **bytes) {
    char *pointer = NULL;
    long length = BIO_get_mem_data(bio, &pointer);
    *bytes = (const unsigned char *)pointer;
    return length;
}

/// RFC 2253 one-line name with UTF-8 left as is (the flag set is a macro expression).
static inline int surat_name_print(BIO *bio, const X509_NAME *name) {
    return X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
}

static inline EVP_PKEY *surat_rsa_generate(unsigned int bits) { return EVP_RSA_gen(bits); }

#endif
