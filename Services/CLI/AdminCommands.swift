import ArgumentParser
import Domain
import Foundation

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administration (admin role): users, tokens, acting officials, signers, delegations, registry reconcile, office profile.",
        subcommands: [Users.self, Tokens.self, Acting.self, Signers.self, Delegations.self, RegistryAdmin.self, OfficeAdmin.self,
                      AuditLog.self])

    static func parseDate(_ text: String?, _ flag: String) throws -> Date? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Jakarta")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        throw CLIError.usage("--\(flag) must be YYYY-MM-DD or YYYY-MM-DDTHH:MM (WIB), got \(text)")
    }

    static func usersTable(_ users: [GatewayAPI.User]) -> String {
        Output.table(["id", "name", "role", "nip", "active", "created"], users.map {
            [$0.id, $0.name, $0.role, $0.nip.isEmpty ? "-" : $0.nip, $0.active ? "yes" : "NO", Output.time($0.createdAt)]
        })
    }

    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "user", abstract: "Users and roles.",
                                                        subcommands: [Create.self, ListUsers.self, Deactivate.self, Activate.self, SetPassword.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a user.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "User id: 2-64 of a-z 0-9 . _ - (e.g. ani.umum).") var id: String
            @Option(help: "Full name.") var name: String
            @Option(help: "staf_umum, drafter, sekretaris, camat or admin.") var role: String
            @Option(help: "NIP.") var nip: String = ""

            mutating func run() async throws {
                let (client, id, name, role, nip) = (client, id, name, role, nip)
                try await runReporting {
                    let user = try await client.call(GatewayAPI.createUser,
                                                     GatewayAPI.CreateUserRequest(userID: id, name: name, role: role, nip: nip))
                    emit(user, json: client.json) { Admin.usersTable([$0]) }
                }
            }
        }

        struct ListUsers: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "All users.")
            @OptionGroup var client: ClientOptions

            mutating func run() async throws {
                let client = client
                try await runReporting {
                    let reply = try await client.call(GatewayAPI.listUsers, GatewayAPI.ListUsersRequest())
                    emit(reply, json: client.json) { Admin.usersTable($0.users) }
                }
            }
        }

        struct Deactivate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Deactivate a user: all their tokens stop working.")
            @OptionGroup var client: ClientOptions
            @Argument var id: String

            mutating func run() async throws {
                let (client, id) = (client, id)
                try await runReporting {
                    let user = try await client.call(GatewayAPI.setUserActive, GatewayAPI.SetUserActiveRequest(userID: id, active: false))
                    emit(user, json: client.json) { Admin.usersTable([$0]) }
                }
            }
        }

        struct Activate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Activate a user again.")
            @OptionGroup var client: ClientOptions
            @Argument var id: String

            mutating func run() async throws {
                let (client, id) = (client, id)
                try await runReporting {
                    let user = try await client.call(GatewayAPI.setUserActive, GatewayAPI.SetUserActiveRequest(userID: id, active: true))
                    emit(user, json: client.json) { Admin.usersTable([$0]) }
                }
            }
        }
    }

    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "token", abstract: "Bearer tokens.",
                                                        subcommands: [Issue.self, Revoke.self, ListTokens.self])

        struct Issue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a token; it is printed once (stdout) and only its SHA-256 is stored.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "User id.") var user: String
            @Option(help: "Days the token is valid (1-400).") var days: Int = 30
            @Option(help: "Label, e.g. the device.") var label: String = ""

            mutating func run() async throws {
                let (client, user, days, label) = (client, user, days, label)
                try await runReporting {
                    let reply = try await client.call(GatewayAPI.issueToken, GatewayAPI.IssueTokenRequest(
                        userID: user, label: label, validForSeconds: Int64(days) * 86_400))
                    if client.json {
                        print(Output.json(reply))
                    } else {
                        FileHandle.standardError.write(Data("token \(reply.tokenID) for \(reply.userID), expires \(Output.time(reply.expiresAt)); shown once:\n".utf8))
                        print(reply.token)
                    }
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "Token id (tok-...).") var tokenID: String

            mutating func run() async throws {
                let (client, tokenID) = (client, tokenID)
                try await runReporting {
                    let info = try await client.call(GatewayAPI.revokeToken, GatewayAPI.RevokeTokenRequest(tokenID: tokenID))
                    emit(info, json: client.json) { "revoked \($0.id) of \($0.userID) at \(Output.time($0.revokedAt))" }
                }
            }
        }

        struct ListTokens: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Tokens (ids, never the tokens).")
            @OptionGroup var client: ClientOptions
            @Option(help: "Only this user's.") var user: String = ""

            mutating func run() async throws {
                let (client, user) = (client, user)
                try await runReporting {
                    let reply = try await client.call(GatewayAPI.listTokens, GatewayAPI.ListTokensRequest(userID: user))
                    emit(reply, json: client.json) { reply in
                        Output.table(["id", "user", "label", "created", "expires", "revoked"], reply.tokens.map {
                            [$0.id, $0.userID, $0.label.isEmpty ? "-" : $0.label, Output.time($0.createdAt),
                             Output.time($0.expiresAt), Output.time($0.revokedAt)]
                        })
                    }
                }
            }
        }
    }

    struct Acting: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acting officials (Plh/Plt) in the gateway: who may act in a role for someone.",
            subcommands: [Grant.self, End.self, ListActing.self])

        struct Grant: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Let a user act in a role for a period.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "User id of the acting official.") var user: String
            @Option(help: "Role they act in (e.g. camat).") var role: String
            @Option(name: .customLong("for"), help: "Whom they stand in for (user id).") var actingFor: String
            @Option(help: "Start, YYYY-MM-DD[THH:MM] WIB (default now).") var from: String?
            @Option(help: "End (exclusive), YYYY-MM-DD[THH:MM] WIB.") var until: String

            mutating func run() async throws {
                let (client, user, role, actingFor, from, until) = (client, user, role, actingFor, from, until)
                try await runReporting {
                    let grant = try await client.call(GatewayAPI.grantActing, GatewayAPI.GrantActingRequest(
                        userID: user, role: role, actingFor: actingFor, validFrom: try Admin.parseDate(from, "from"),
                        validUntil: try Admin.parseDate(until, "until")))
                    emit(grant, json: client.json) { Acting.table([$0]) }
                }
            }
        }

        struct End: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "End an acting grant now.")
            @OptionGroup var client: ClientOptions
            @Argument(help: "Grant id (act-...).") var grantID: String

            mutating func run() async throws {
                let (client, grantID) = (client, grantID)
                try await runReporting {
                    let grant = try await client.call(GatewayAPI.endActing, GatewayAPI.EndActingRequest(grantID: grantID))
                    emit(grant, json: client.json) { Acting.table([$0]) }
                }
            }
        }

        struct ListActing: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Acting grants.")
            @OptionGroup var client: ClientOptions
            @Option(help: "Only this user's.") var user: String = ""

            mutating func run() async throws {
                let (client, user) = (client, user)
                try await runReporting {
                    let reply = try await client.call(GatewayAPI.listActing, GatewayAPI.ListActingRequest(userID: user))
                    emit(reply, json: client.json) { Acting.table($0.grants) }
                }
            }
        }

        static func table(_ grants: [GatewayAPI.ActingGrant]) -> String {
            Output.table(["id", "user", "role", "for", "from", "until"], grants.map {
                [$0.id, $0.userID, $0.role, $0.actingFor, Output.time($0.validFrom), Output.time($0.validUntil)]
            })
        }
    }

    struct Signers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "signer", abstract: "Signers in the signing service.",
                                                        subcommands: [RegisterSigner.self, ListSigners.self])

        static func table(_ signers: [GatewayAPI.SignerInfo]) -> String {
            Output.table(["signer", "name", "position", "key", "algorithm"], signers.map {
                [$0.signerID, $0.name, $0.position, $0.pending ? "(pending: signer activates)" : ($0.keyID.isEmpty ? "-" : $0.keyID),
                 $0.algorithm]
            })
        }

        struct RegisterSigner: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "register",
                abstract: "Register a user as signer (pending): the user then makes their key with `surat signer activate`.")
            @OptionGroup var client: ClientOptions
            @OptionGroup var request: RequestOptions
            @Argument(help: "User id (the signer id is the user id).") var user: String
            @Option(help: "Position as printed under the signature, e.g. \"Camat Sooko\".") var position: String

            mutating func run() async throws {
                let (client, requestID, user, position) = (client, request.id, user, position)
                try await runReporting(requestID: requestID) {
                    let info = try await client.call(GatewayAPI.registerSigner, GatewayAPI.RegisterSignerRequest(
                        requestID: requestID, userID: user, position: position))
                    emit(info, json: client.json) { Signers.table([$0]) }
                }
            }
        }

        struct ListSigners: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Signers and their current keys.")
            @OptionGroup var client: ClientOptions

            mutating func run() async throws {
                let client = client
                try await runReporting {
                    let reply = try await client.call(GatewayAPI.listSigners, GatewayAPI.ListSignersRequest())
                    emit(reply, json: client.json) { Signers.table($0.signers) }
                }
            }
        }
    }

    struct Delegations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delegation",
                                                        abstract: "Plh/Plt signing delegations in the signing service.",
                                                        subcommands: [CreateDelegation.self])

        struct CreateDelegation: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create",
                abstract: "Let TO sign on behalf of FROM for a period (also grant `admin acting` so the gateway lets them sign).")
            @OptionGroup var client: ClientOptions
            @OptionGroup var request: RequestOptions
            @Option(help: "The head (signer id = user id), e.g. camat.") var from: String
            @Option(help: "The acting official (a registered signer).") var to: String
            @Option(help: "plh or plt.") var kind: String = "plh"
            @Option(help: "Start, YYYY-MM-DD[THH:MM] WIB (default now).") var validFrom: String?
            @Option(help: "End (exclusive), YYYY-MM-DD[THH:MM] WIB.") var validUntil: String

            mutating func run() async throws {
                let (client, requestID, from, to, kind, validFrom, validUntil) = (client, request.id, from, to, kind, validFrom, validUntil)
                try await runReporting(requestID: requestID) {
                    let info = try await client.call(GatewayAPI.createDelegation, GatewayAPI.CreateDelegationRequest(
                        requestID: requestID, fromUserID: from, toUserID: to, kind: kind,
                        validFrom: try Admin.parseDate(validFrom, "valid-from"), validUntil: try Admin.parseDate(validUntil, "valid-until")))
                    emit(info, json: client.json) {
                        "delegation \($0.delegationID): \($0.toUserID) signs \($0.kind) for \($0.fromUserID) from \(Output.time($0.validFrom)) until \(Output.time($0.validUntil))"
                    }
                }
            }
        }
    }
}
