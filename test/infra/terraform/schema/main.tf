# Used by test/infra/providers.sh: checks that `terraform init` works offline from the
# filesystem mirror, and (`providers.sh schemas`) dumps the providers' schemas into
# test/fixtures/provider-schemas/. No resources: nothing is ever applied here.
terraform {
  required_providers {
    kafka = {
      source  = "mongey/kafka"
      version = "0.13.1"
    }
    kafka-connect = {
      source  = "mongey/kafka-connect"
      version = "0.5.0"
    }
  }
}
