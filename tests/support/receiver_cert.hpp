#pragma once
// TLS material for an https HttpReceiver: a throw-away self-signed certificate (made at test
// time, see client/test_tls.hpp) and the same certificate as a CA file, which is how a client
// under test is told to trust it (HttpTlsOptions::ca_file). Thread: any.

#include <string>
#include <vector>

#include "client/test_tls.hpp"
#include "support/http_receiver.hpp"

namespace jim::testing {

struct ReceiverCert {
    // The names the certificate is valid for (its subjectAltName).
    explicit ReceiverCert(const std::vector<std::string>& dns_names = {"localhost"},
                          const std::vector<std::string>& ip_addresses = {"127.0.0.1"})
        : pem(client::testing::make_self_signed_certificate("jim test receiver", dns_names,
                                                            ip_addresses)),
          ca(pem.cert_pem) {}

    HttpReceiver::Tls tls() const { return {pem.cert_pem, pem.key_pem}; }
    const std::string& ca_file() const { return ca.path(); }

    client::testing::TestCertificate pem;
    client::testing::TempFile ca;
};

}  // namespace jim::testing
