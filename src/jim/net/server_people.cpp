// Server's part of the HTTP API for profiles and friends: hand the call to the service with the
// calling worker's context, so completions come home to the worker that parsed the request.
#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"

namespace jim::net {

service::WorkerContext& Server::calling_context() {
    Worker* here = Worker::current();
    if (here == nullptr) here = workers_[0].get();  // not reached: the API runs on workers
    return here->context();
}

void Server::set_profile(std::string user, router::Profile profile,
                         std::function<void(Errc)> done) {
    service_.set_profile(std::move(user), std::move(profile), calling_context(), std::move(done));
}

void Server::get_profile(std::string user,
                         std::function<void(Result<std::optional<router::Profile>>)> done) {
    service_.get_profile(std::move(user), calling_context(), std::move(done));
}

void Server::add_friend(std::string user, std::string friend_id, std::string category,
                        std::function<void(Errc)> done) {
    service_.add_friend(std::move(user), std::move(friend_id), std::move(category),
                        calling_context(), std::move(done));
}

void Server::remove_friend(std::string user, std::string friend_id,
                           std::function<void(Errc)> done) {
    service_.remove_friend(std::move(user), std::move(friend_id), calling_context(),
                           std::move(done));
}

void Server::friends(std::string user,
                     std::function<void(Result<std::vector<store::Friend>>)> done) {
    service_.friends(std::move(user), calling_context(), std::move(done));
}

}  // namespace jim::net
