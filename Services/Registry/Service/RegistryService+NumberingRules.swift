import Domain
import RegistryCore
import RPC
import ServiceKit

extension RegistryService {
    /// The units and template Register checks a letter against (RegistryStore.validate), so a caller can
    /// refuse a letter that would be refused at step 6 before it starts its journey.
    func numberingRules(_ context: ServerContext) throws -> RegistryAPI.NumberingRules {
        _ = try context.requireActor(Set(Role.allCases), action: "GetNumberingRules")
        var rules = RegistryAPI.NumberingRules()
        rules.defaultUnit = store.settings.defaultUnit
        rules.units = store.settings.allowedUnits.sorted()
        rules.numberTemplate = store.settings.numberFormat.template
        return rules
    }
}
