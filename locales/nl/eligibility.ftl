### Waarom een doelaanbieding niet met "Nu upgraden" bereikbaar is (SPEC §4):
### één bericht per regel. Namen van aanbiedingen en services zijn
### productnamen van Microsoft en worden niet vertaald.

## Over het bronabonnement: deze blokkeren elke doelaanbieding.

reason-subscription-not-active = Het abonnement { $offer } is { $status }; alleen een actief abonnement kan worden geüpgraded.
reason-subscription-not-provisioned = Het abonnement { $offer } is nog niet volledig ingericht; wacht enkele uren en probeer het opnieuw.
reason-service-incident = Er is bij deze klant een storing in { $services } van het abonnement { $offer }; wacht tot alle services weer in orde zijn.
reason-delegated-admin-missing = Een upgrade is niet mogelijk omdat { $why }; vraag ze aan of verleng ze.
delegated-admin-none = deze partner geen gedelegeerde beheerdersbevoegdheden voor de klant heeft
delegated-admin-expired = de gedelegeerde beheerdersbevoegdheden voor de klant zijn verlopen
delegated-admin-no-role = de gedelegeerde beheerdersbevoegdheden voor de klant geen enkele rol bevatten
reason-license-conflict = Er zijn { $assigned } licenties van { $offer } toegewezen, maar er zijn er maar { $quantity } gekocht; los eerst het licentieconflict op.
reason-upgrade-in-progress = { $count ->
    [one] Bestelling { $orders } van deze klant wordt verwerkt; wacht tot die is afgerond.
   *[other] Bestellingen { $orders } van deze klant worden verwerkt; wacht tot die zijn afgerond.
}
reason-credit-check-pending = { $count ->
    [one] Bestelling { $orders } van deze klant wacht op een kredietcontrole (maximaal twee werkdagen); wacht tot die is afgerond.
   *[other] Bestellingen { $orders } van deze klant wachten op een kredietcontrole (maximaal twee werkdagen); wacht tot die zijn afgerond.
}
reason-duplicate-plans = De klant heeft { $count } actieve abonnementen op { $offer } ({ $channels } gekocht); voeg ze samen tot één abonnement voordat u upgradet.
reason-prepaid-subscription = Het abonnement { $offer } is vooruitbetaald of met een productcode betaald; het kan alleen handmatig worden gewijzigd.
reason-restricted-segment = { $offer } is een aanbieding voor { $segment }; het abonnement kan alleen handmatig worden gewijzigd.
reason-unpaid-balance = De klant heeft een openstaand saldo; laat het betalen en controleer het daarna opnieuw.
reason-trial-subscription = Het abonnement { $offer } is een proefabonnement; koop eerst het betaalde abonnement en upgrade daarna.
reason-no-upgrade-paths = Voor { $offer } bestaat geen upgrademogelijkheid; het abonnement kan alleen handmatig worden gewijzigd.
reason-bought-elsewhere = Het abonnement { $offer } is { $channel } gekocht; alleen daar kan het worden geüpgraded.

## Over één doelaanbieding.

reason-target-not-in-matrix = { $target } is geen upgrademogelijkheid voor { $source }; het abonnement kan alleen handmatig worden gewijzigd.
reason-market-not-sold-here = { $offer } wordt alleen verkocht aan klanten in { $market }, en deze klant zit in { $country }.
reason-market-crossed = { $source } hoort bij { $source_market } en kan alleen overstappen naar een aanbieding van dezelfde markt, maar { $target } hoort bij { $target_market }.
reason-target-already-owned = De klant heeft { $target } al via deze partner; verplaats de gebruikers in plaats daarvan naar dat abonnement.
reason-conflicting-services = De klant heeft { $services } al via deze partner ({ $offers }); { $target } zou die services nogmaals toevoegen.
reason-multichannel-conflict = De klant heeft { $what } al { $channels } gekocht; de klant moet { $count ->
    [one] dat
   *[other] die
} daar eerst annuleren voordat u { $target } hier kunt kopen.
reason-data-service-downgrade = { $target } mist gegevensgerelateerde services van { $source } of heeft er een lagere versie van: { $losses }; gebruikers zouden gegevens verliezen.
data-loss = { $service } ({ $from } -> { $to })
reason-seat-limit-exceeded = Er zijn { $needed } licenties nodig, maar { $limits }.
seat-limit-target = { $target } staat maximaal { $max } licenties toe
seat-limit-path = de automatische overstap is beperkt tot { $max } gebruikers
reason-billing-cycle-unsupported = { $target } wordt niet verkocht met { $cycle } facturering, de factureringscyclus van het huidige abonnement.
reason-target-not-available = { $target } { $why }.
not-available-trial-only = is alleen als proefabonnement beschikbaar
not-available-end-of-sale = wordt niet meer verkocht
not-available-segment = wordt niet verkocht aan { $segment }
reason-add-on-incompatible = { $count ->
    [one] De add-on
   *[other] De add-ons
} { $add_ons } van dit abonnement { $count ->
    [one] maakt
   *[other] maken
} geen deel uit van { $target } en { $count ->
    [one] kan
   *[other] kunnen
} er niet aan worden gekoppeld; verwijder { $count ->
    [one] de add-on
   *[other] de add-ons
} eerst.
reason-custom-domain-blocks-switch = De klant heeft een aangepast domein, waardoor de automatische overstap van { $source } naar { $target } niet mogelijk is.
