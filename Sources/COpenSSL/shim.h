// OpenSSL 3 (libssl-dev) for the TLS layer. Nothing here but includes and tiny inline helpers
// for what Swift cannot call: macros (SSL_CTX_set_min_proto_version, BIO_get_mem_data, ...)
// and the OSSL_PARAM set-up of the session ticket key callback.
#ifndef BARENET_COPENSSL_H
#define BARENET_COPENSSL_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include <string.h>

static inline int barenet_ssl_ctx_set_versions(SSL_CTX *ctx) {
  return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
}

/// Server cipher order in TLS 1.2, no renegotiation, no compression (SSL_OP_* are macros).
static inline void barenet_ssl_ctx_set_options(SSL_CTX *ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}

static inline long barenet_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }

static inline long barenet_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
  return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline long barenet_ssl_ctx_set_groups(SSL_CTX *ctx, const char *list) { return SSL_CTX_set1_groups_list(ctx, list); }

static inline const char *barenet_ssl_servername(const SSL *ssl) {
  return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}

/// The name of the key exchange group the handshake used ("X25519", "prime256v1"), or NULL.
static inline const char *barenet_ssl_group_name(SSL *ssl) {
  int nid = SSL_get_negotiated_group(ssl);
  if (nid == 0) return NULL;
  const char *name = SSL_group_to_name(ssl, nid);
  return name ? name : OBJ_nid2sn(nid);
}

static inline long barenet_ssl_set_msg_callback_arg(SSL *ssl, void *arg) { return SSL_set_msg_callback_arg(ssl, arg); }

static inline long barenet_ssl_set_server_name(SSL *ssl, const char *name) {
  return SSL_set_tlsext_host_name(ssl, name);
}

static inline long barenet_bio_pending(BIO *bio) { return BIO_ctrl_pending(bio); }

static inline long barenet_bio_set_eof_retry(BIO *bio) {
  // An empty memory BIO says "try again" rather than end of file: more ciphertext may come.
  return BIO_set_mem_eof_return(bio, -1);
}

/// An ECDSA P-256 key (EVP_EC_gen is a macro over a variadic function).
static inline EVP_PKEY *barenet_ec_p256_key(void) { return EVP_EC_gen("P-256"); }

/// The session ticket key: 16 bytes of name, 32 of HMAC key, 32 of AES key.
static inline long barenet_ssl_ctx_set_ticket_keys(SSL_CTX *ctx, unsigned char *keys, long length) {
  return SSL_CTX_set_tlsext_ticket_keys(ctx, keys, length);
}

/// ALPN: the server speaks HTTP/1.1 only. A client offering something else gets no ALPN answer
/// (RFC 7301 lets the handshake go on), never a wrong protocol.
static inline int barenet_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                      const unsigned char *in, unsigned int inlen, void *arg) {
  static const unsigned char ours[] = "\x08http/1.1";
  (void)ssl;
  (void)arg;
  if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof ours - 1, in, inlen) == OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_OK;
  return SSL_TLSEXT_ERR_NOACK;
}

static inline void barenet_ssl_ctx_use_alpn(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, barenet_alpn_select, NULL); }

#endif
